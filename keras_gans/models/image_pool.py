"""`ImagePool` moved to keras_gans/layers/image_pool.py (it is a layer); this path re-exports it."""

from keras_gans.layers.image_pool import ImagePool  # noqa: F401

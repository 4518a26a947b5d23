"""`MetricsCallback` moved to keras_gans/callbacks.py (all callbacks in one module); this path re-exports it."""

from keras_gans.callbacks import PROTOCOL_FILE, MetricsCallback  # noqa: F401

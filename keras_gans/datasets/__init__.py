"""Input pipelines: `load(name, ...)` for TFDS, image folders and the embedded sets,
plus the paired, unpaired, semi-supervised, attribute and text loaders."""

from keras_gans.datasets.attributes import attribute_digits, attribute_names, load_attributes
from keras_gans.datasets.embedded import digits, mixture, mixture_centers, mnist5k
from keras_gans.datasets.loading import EMBEDDED, available, load, num_classes
from keras_gans.datasets.paired import digits_pairs, load_paired
from keras_gans.datasets.semi_supervised import semi_supervised_dataset
from keras_gans.datasets.text import Tokenizer, bleu, oracle, text_file
from keras_gans.datasets.unpaired import load_unpaired, stroke_digits
from keras_gans.datasets.super_resolution import bicubic_upscale, downsample, load_super_resolution

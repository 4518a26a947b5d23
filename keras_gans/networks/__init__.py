"""Generator and discriminator networks, as functions returning keras.Model."""

from keras_gans.networks.conditional import (
    acgan_discriminator,
    conditional_discriminator,
    conditional_generator,
    semi_supervised_discriminator,
)
from keras_gans.networks.dcgan import dcgan_discriminator, dcgan_generator
from keras_gans.networks.instance_norm import InstanceNormalization
from keras_gans.networks.normalization import BatchNormalization, LayerNormalization
from keras_gans.networks.mlp import mlp_discriminator, mlp_generator
from keras_gans.networks.patchgan import patchgan_discriminator, receptive_field
from keras_gans.networks.resnet import resnet_generator
from keras_gans.networks.stargan import stargan_discriminator, stargan_generator
from keras_gans.networks.text import lstm_generator, text_cnn_discriminator
from keras_gans.networks.unet import unet_generator
from keras_gans.networks.biggan import biggan_discriminator, biggan_generator
from keras_gans.networks.resnet_gan import resnet_gan_discriminator, resnet_gan_generator
from keras_gans.networks.srgan import DepthToSpace, srgan_discriminator, srgan_generator

"""The GAN models: one file per model, named after its class."""

from keras_gans.models.acgan import ACGAN
from keras_gans.models.biggan import BigGAN
from keras_gans.models.conditional_gan import ConditionalGAN
from keras_gans.models.cycle_gan import CycleGAN, build_cycle_gan
from keras_gans.models.gan import GAN
from keras_gans.layers.image_pool import ImagePool
from keras_gans.models.pix2pix import Pix2Pix, build_pix2pix, evaluate_pairs
from keras_gans.models.relativistic_gan import RelativisticGAN
from keras_gans.models.semi_supervised_gan import SemiSupervisedGAN
from keras_gans.models.seqgan import SeqGAN
from keras_gans.models.stargan import StarGAN, build_stargan
from keras_gans.models.wgan import WGAN
from keras_gans.models.wgan_gp import WGANGP
from keras_gans.models.sagan import SAGAN
from keras_gans.models.sngan import SNGAN
from keras_gans.models.srgan import SRGAN, build_srgan, pretrain_srresnet

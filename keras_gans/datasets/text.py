"""Token sequences: SeqGAN's synthetic oracle and a tokenizer for text files.

- `oracle()`: the synthetic-data benchmark of SeqGAN (Yu et al. 2017, section
  "Synthetic data experiments"): an LSTM with weights drawn from N(0, 1) is the
  real data distribution; 10,000 of its sequences are the training set, and a
  generator is scored by NLL-oracle, the average negative log-likelihood of
  its samples under the oracle.
- `text_file(path, ...)`: any text file as fixed-length token sequences
  (character or word level, vocabulary cap, end and padding tokens), with a
  held-out split and `decode` back to text.
- `TextData.bleu(samples)`: BLEU against the held-out split, with
  `keras_gans.metrics.bleu` (re-exported here as `bleu`, its former home).
"""

import collections
import dataclasses
import json
import os
import re

import numpy as np
import tensorflow as tf

from keras_gans.datasets import pipeline
from keras_gans.metrics.text import bleu
from keras_gans.networks import text as text_networks

# --- the oracle ------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class Oracle:
    """The SeqGAN synthetic benchmark: a target LSTM, its sequences, NLL-oracle.

    Attributes:
        model: the target `LSTMGenerator` G_oracle (weights from N(0, 1)).
        sequences: int32 (num_sequences, seq_len), the training data.
        seed: the seed of the weights and of the sequences.
    """

    model: object
    sequences: np.ndarray
    seed: int

    @property
    def vocab_size(self):
        return self.model.vocab_size

    @property
    def seq_len(self):
        return self.model.seq_len

    def dataset(self, batch_size=64, shuffle=True, seed=0):
        """The training sequences as a tf.data.Dataset of int32 (batch_size, seq_len) batches."""
        return sequence_dataset(self.sequences, batch_size, shuffle=shuffle, seed=seed)

    def sample(self, num_samples, seed=0, batch_size=1024):
        """More sequences from the oracle, int32 (num_samples, seq_len)."""
        return _sample(self.model, num_samples, seed, batch_size)

    def nll_oracle(self, samples, batch_size=1024):
        """NLL-oracle: -mean over samples and tokens of log G_oracle(y_t | y_<t).

        Args:
            samples: int (num_samples, seq_len) token ids, e.g.
                `model.generate(10_000)`.

        Returns:
            A Python float (nats per token). Lower means the samples are more
            likely under the real distribution.
        """
        samples = check_token_array(samples, self.vocab_size, self.seq_len, "samples")
        total = 0.0
        for start in range(0, len(samples), batch_size):
            batch = tf.constant(samples[start : start + batch_size])
            total += float(tf.reduce_sum(_log_prob(self.model, batch)))
        return -total / samples.size


@tf.function(reduce_retracing=True)
def _log_prob(model, tokens):
    return model.log_prob(tokens)


def oracle(
    vocab_size=5000,
    seq_len=20,
    embedding_dim=32,
    hidden_dim=32,
    num_sequences=10_000,
    seed=88,
):
    """The SeqGAN oracle: a target LSTM with N(0, 1) weights and its sequences.

    The defaults are the paper's (vocabulary 5,000, length 20, embedding and
    hidden size 32, 10,000 training sequences; 88 is the seed of the
    paper's code). Every weight of the oracle, embeddings, LSTM gates and
    output layer, is drawn from N(0, 1) with `seed`; the training sequences
    are sampled from it at temperature 1, starting from token 0. The same
    arguments give the same oracle and data on every machine.

    Returns:
        An `Oracle` with `.model`, `.sequences`, `.dataset(batch_size)`,
        `.nll_oracle(samples)`.

    Example:

    >>> target = keras_gans.datasets.oracle()
    >>> target.sequences.shape
    (10000, 20)
    >>> target.nll_oracle(target.sample(1000, seed=1))   # the oracle's own entropy rate
    """
    if int(num_sequences) < 1:
        raise ValueError(f"num_sequences must be positive, got {num_sequences}.")
    model = text_networks.lstm_generator(vocab_size, embedding_dim, hidden_dim, seq_len, start_token=0, name="oracle")
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.weights])
    model.trainable = False
    sequences = _sample(model, int(num_sequences), seed, 1024)
    return Oracle(model, sequences, seed)


def _sample(model, num_samples, seed, batch_size):
    function = tf.function(
        lambda n, s: model.sample(n, s),
        input_signature=[tf.TensorSpec((), tf.int32), tf.TensorSpec((2,), tf.int64)],
    )
    batches = []
    for i, start in enumerate(range(0, int(num_samples), batch_size)):
        n = min(batch_size, int(num_samples) - start)
        batches.append(function(tf.constant(n), tf.constant([int(seed), i], tf.int64)).numpy())
    return np.concatenate(batches, axis=0)


def sequence_dataset(sequences, batch_size=64, shuffle=True, seed=0):
    """int32 token sequences as a shuffled, batched tf.data.Dataset (drop_remainder)."""
    sequences = np.asarray(sequences, dtype="int32")
    if len(sequences) < int(batch_size):
        raise ValueError(f"batch_size={batch_size} is larger than the {len(sequences)} sequences.")
    ds = tf.data.Dataset.from_tensor_slices(sequences)
    if shuffle:
        ds = ds.shuffle(len(sequences), seed=seed, reshuffle_each_iteration=True)
    return pipeline.batched(ds, batch_size)


def check_token_array(tokens, vocab_size, seq_len, what="tokens"):
    """`tokens` as int32 (n, seq_len) with ids in [0, vocab_size), else a clear ValueError."""
    array = np.asarray(tokens)
    if array.ndim != 2 or array.shape[1] != seq_len or array.shape[0] == 0:
        raise ValueError(f"Expected {what} of shape (num_samples, {seq_len}), got {array.shape}.")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"Expected integer token ids in {what}, got dtype {array.dtype}.")
    if array.min() < 0 or array.max() >= vocab_size:
        raise ValueError(
            f"Token ids in {what} must be in [0, {vocab_size}), got ids from {array.min()} to {array.max()}."
        )
    return array.astype("int32")


# --- text files -------------------------------------------------------------------

PAD, END, UNK = "<pad>", "<end>", "<unk>"
_WORDS = re.compile(r"\w+(?:'\w+)*|[^\w\s]")


class Tokenizer:
    """Character- or word-level tokenizer with a capped vocabulary.

    Ids 0, 1 and 2 are the padding, end and unknown tokens. The padding id is
    also the generator's start token (it is never a real token).

    Args:
        level: "char" or "word" (words and punctuation marks).
        max_vocab: keep the `max_vocab - 3` most frequent tokens; the others
            become `<unk>`. None keeps all.
        lowercase: lowercase the text first.
        vocabulary: a list of tokens (specials first) to reuse a fitted
            tokenizer; normally set by `fit`.
    """

    def __init__(self, level="word", max_vocab=None, lowercase=False, vocabulary=None):
        if level not in ("char", "word"):
            raise ValueError(f"level must be 'char' or 'word', got {level!r}.")
        if max_vocab is not None and int(max_vocab) < 4:
            raise ValueError(f"max_vocab must be at least 4 (3 special tokens and one more), got {max_vocab}.")
        self.level = level
        self.max_vocab = None if max_vocab is None else int(max_vocab)
        self.lowercase = bool(lowercase)
        self.vocabulary = None
        self._ids = None
        if vocabulary is not None:
            self._set_vocabulary(list(vocabulary))

    pad_id, end_id, unk_id = 0, 1, 2

    def _set_vocabulary(self, vocabulary):
        if vocabulary[:3] != [PAD, END, UNK]:
            raise ValueError(f"A vocabulary starts with {[PAD, END, UNK]}, got {vocabulary[:3]}.")
        self.vocabulary = vocabulary
        self._ids = {token: i for i, token in enumerate(vocabulary)}

    @property
    def vocab_size(self):
        self._require_fitted()
        return len(self.vocabulary)

    def split(self, text):
        """Text -> list of token strings."""
        if self.lowercase:
            text = text.lower()
        if self.level == "char":
            return list(text)
        return _WORDS.findall(text)

    def join(self, tokens):
        """List of token strings -> text."""
        if self.level == "char":
            return "".join(tokens)
        text = " ".join(tokens)
        return re.sub(r" ([.,;:!?)\]}])", r"\1", text)

    def fit(self, texts):
        """Build the vocabulary from an iterable of texts; returns self."""
        counts = collections.Counter()
        for text in texts:
            counts.update(self.split(text))
        counts.pop("", None)
        if not counts:
            raise ValueError("No tokens in the texts: nothing to build a vocabulary from.")
        ranked = sorted(counts, key=lambda token: (-counts[token], token))
        ranked = [t for t in ranked if t not in (PAD, END, UNK)]
        if self.max_vocab is not None:
            ranked = ranked[: self.max_vocab - 3]
        self._set_vocabulary([PAD, END, UNK] + ranked)
        return self

    def encode(self, text):
        """Text -> list of ids (unknown tokens -> `unk_id`), without end or padding."""
        self._require_fitted()
        return [self._ids.get(token, self.unk_id) for token in self.split(text)]

    def encode_sequences(self, texts, seq_len):
        """Texts -> int32 (n, seq_len): each text's ids, cut into pieces of at
        most seq_len - 1 tokens, each followed by `<end>` and padded with `<pad>`."""
        if int(seq_len) < 2:
            raise ValueError(f"seq_len must be >= 2 (a token and <end>), got {seq_len}.")
        rows = []
        for text in texts:
            ids = self.encode(text)
            for start in range(0, len(ids), seq_len - 1):
                piece = ids[start : start + seq_len - 1] + [self.end_id]
                rows.append(piece + [self.pad_id] * (seq_len - len(piece)))
        return np.asarray(rows, dtype="int32").reshape(-1, seq_len)

    def decode_tokens(self, ids):
        """Ids -> token strings, up to the first `<end>`, without padding."""
        self._require_fitted()
        tokens = []
        for i in np.asarray(ids).tolist():
            if i == self.end_id:
                break
            if i == self.pad_id:
                continue
            if not 0 <= i < len(self.vocabulary):
                raise ValueError(f"Token id {i} is outside the vocabulary [0, {len(self.vocabulary)}).")
            tokens.append(self.vocabulary[i])
        return tokens

    def decode(self, ids):
        """Ids (one sequence) -> text; a 2-D array -> list of texts."""
        ids = np.asarray(ids)
        if ids.ndim == 2:
            return [self.decode(row) for row in ids]
        return self.join(self.decode_tokens(ids))

    def get_config(self):
        return {
            "level": self.level,
            "max_vocab": self.max_vocab,
            "lowercase": self.lowercase,
            "vocabulary": self.vocabulary,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.get_config(), f, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls.from_config(json.load(f))

    def _require_fitted(self):
        if self.vocabulary is None:
            raise RuntimeError("The tokenizer has no vocabulary yet: call fit(texts) first.")


@dataclasses.dataclass(eq=False)
class TextData:
    """A tokenized text file: training and held-out sequences and their tokenizer.

    Attributes:
        tokenizer: the fitted `Tokenizer`.
        train, test: int32 (n, seq_len) token ids.
        seq_len, vocab_size.
    """

    tokenizer: object
    train: np.ndarray
    test: np.ndarray

    @property
    def seq_len(self):
        return self.train.shape[1]

    @property
    def vocab_size(self):
        return self.tokenizer.vocab_size

    def dataset(self, batch_size=64, shuffle=True, seed=0):
        return sequence_dataset(self.train, batch_size, shuffle=shuffle, seed=seed)

    def decode(self, ids):
        return self.tokenizer.decode(ids)

    def bleu(self, samples, max_order=4):
        """BLEU-`max_order` of generated token ids against the held-out sequences."""
        samples = check_token_array(samples, self.vocab_size, self.seq_len, "samples")
        if len(self.test) == 0:
            raise ValueError("No held-out sequences to compare with (test_fraction=0).")
        hypotheses = [self.tokenizer.decode_tokens(row) for row in samples]
        references = [self.tokenizer.decode_tokens(row) for row in self.test]
        return bleu(hypotheses, references, max_order=max_order)


def text_file(
    path,
    level="word",
    seq_len=20,
    max_vocab=5000,
    lowercase=False,
    unit="line",
    test_fraction=0.1,
    seed=0,
):
    """A text file as fixed-length token sequences, with a held-out split.

    Args:
        path: a UTF-8 text file.
        level: "char" or "word".
        seq_len: tokens per sequence, `<end>` included; longer texts are cut
            into several sequences.
        max_vocab: vocabulary cap, the 3 special tokens included.
        lowercase: lowercase the text.
        unit: "line" (every non-empty line is a text) or "sentence" (split
            after ., ! and ?).
        test_fraction: share of the texts held out (for BLEU references).
        seed: seed of the train/test split.

    Returns:
        A `TextData` (tokenizer fitted on the training texts only).

    Example:

    >>> data = keras_gans.datasets.text_file("poems.txt", level="char", seq_len=40)
    >>> data.decode(data.train[:2])
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No text file at {path!r}.")
    if unit not in ("line", "sentence"):
        raise ValueError(f"unit must be 'line' or 'sentence', got {unit!r}.")
    if not 0.0 <= float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}.")
    with open(path, encoding="utf-8") as f:
        content = f.read()
    if unit == "sentence":
        content = re.sub(r"\s+", " ", content)
        texts = re.split(r"(?<=[.!?])\s+", content)
    else:
        texts = content.splitlines()
    texts = [t.strip() for t in texts if t.strip()]
    if not texts:
        raise ValueError(f"The text file {path!r} is empty: there is no text to tokenize.")
    order = np.random.default_rng(seed).permutation(len(texts))
    num_test = int(round(len(texts) * float(test_fraction)))
    if test_fraction and num_test == 0 and len(texts) > 1:
        num_test = 1
    test_texts = [texts[i] for i in order[:num_test]]
    train_texts = [texts[i] for i in order[num_test:]]
    if not train_texts:
        raise ValueError(f"{path!r} has {len(texts)} text(s): none left for training after the held-out split.")
    tokenizer = Tokenizer(level=level, max_vocab=max_vocab, lowercase=lowercase).fit(train_texts)
    train = tokenizer.encode_sequences(train_texts, seq_len)
    test = tokenizer.encode_sequences(test_texts, seq_len)
    return TextData(tokenizer, train, test)

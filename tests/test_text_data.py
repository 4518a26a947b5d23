"""Token-sequence data: the SeqGAN oracle and NLL-oracle, the text tokenizer, BLEU."""

import inspect
import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gans.datasets import text
from keras_gans.metrics.text import bleu
from tests import harness


@pytest.fixture(scope="module")
def small_oracle():
    return text.oracle(vocab_size=40, seq_len=7, embedding_dim=8, hidden_dim=8, num_sequences=300, seed=5)


# --- the oracle -----------------------------------------------------------------------


def test_oracle_defaults_are_the_papers():
    defaults = {k: v.default for k, v in inspect.signature(text.oracle).parameters.items()}
    assert defaults == {
        "vocab_size": 5000,
        "seq_len": 20,
        "embedding_dim": 32,
        "hidden_dim": 32,
        "num_sequences": 10_000,
        "seed": 88,
    }


def test_oracle_is_a_fixed_lstm_with_standard_normal_weights(small_oracle):
    again = text.oracle(vocab_size=40, seq_len=7, embedding_dim=8, hidden_dim=8, num_sequences=300, seed=5)
    np.testing.assert_array_equal(small_oracle.sequences, again.sequences)
    for a, b in zip(small_oracle.model.get_weights(), again.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    weights = np.concatenate([w.ravel() for w in small_oracle.model.get_weights()])
    assert abs(weights.mean()) < 0.05 and abs(weights.std() - 1.0) < 0.05  # N(0, 1)
    other = text.oracle(vocab_size=40, seq_len=7, embedding_dim=8, hidden_dim=8, num_sequences=300, seed=6)
    assert not np.array_equal(small_oracle.sequences, other.sequences)
    assert small_oracle.sequences.shape == (300, 7) and small_oracle.sequences.dtype == np.int32
    batch = next(iter(small_oracle.dataset(batch_size=32)))
    assert batch.shape == (32, 7) and batch.dtype == tf.int32


def test_nll_oracle(small_oracle):
    samples = small_oracle.sequences[:50]
    # By hand, step by step: -mean log G_oracle(y_t | y_<t).
    model, state = small_oracle.model, small_oracle.model.initial_state(50)
    token, total = tf.zeros([50], tf.int32), 0.0
    for t in range(7):
        logits, state = model.step(token, state)
        total += tf.reduce_sum(tf.nn.log_softmax(logits).numpy()[np.arange(50), samples[:, t]]).numpy()
        token = samples[:, t]
    assert math.isclose(small_oracle.nll_oracle(samples), -total / samples.size, rel_tol=1e-5)
    uniform = np.random.default_rng(0).integers(0, 40, (300, 7))
    assert small_oracle.nll_oracle(small_oracle.sample(300, seed=1)) < small_oracle.nll_oracle(uniform) - 0.5
    harness.assert_clear_error(
        lambda: small_oracle.nll_oracle(uniform[:, :5]), "(num_samples, 7)", "(300, 5)", error=ValueError
    )
    harness.assert_clear_error(lambda: small_oracle.nll_oracle(uniform + 40), "[0, 40)", error=ValueError)


# --- text files and the tokenizer ---------------------------------------------------------


def write(tmp_path, content, name="text.txt"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


CORPUS = "the cat sat on the mat.\nthe dog sat on the log!\na cat and a dog.\nthe end, at last.\n" * 5


def test_word_level_round_trip_with_end_and_padding(tmp_path):
    data = text.text_file(write(tmp_path, CORPUS), level="word", seq_len=10, test_fraction=0.25)
    tok = data.tokenizer
    assert tok.vocabulary[:3] == ["<pad>", "<end>", "<unk>"]
    ids = tok.encode_sequences(["the cat sat on the mat."], 10)[0]
    assert ids[7] == tok.end_id and list(ids[8:]) == [tok.pad_id] * 2
    assert tok.decode(ids) == "the cat sat on the mat."
    assert data.train.shape[1] == 10 and len(data.test) == 5 and len(data.train) == 15
    assert set(data.decode(data.train)) <= set(CORPUS.splitlines())
    assert tok.decode(tok.encode_sequences(["the zebra sat"], 10)[0]) == "the <unk> sat"


def test_char_level_cap_and_long_lines(tmp_path):
    data = text.text_file(write(tmp_path, CORPUS), level="char", seq_len=8, max_vocab=10, test_fraction=0.0)
    tok = data.tokenizer
    assert tok.vocab_size == 10 and len(data.test) == 0
    rows = tok.encode_sequences(["the cat sat"], 8)  # 11 characters: pieces of 7 and 4, each + <end>
    assert rows.shape == (2, 8)
    assert rows[0, 7] == tok.end_id and rows[1, 4] == tok.end_id and list(rows[1, 5:]) == [tok.pad_id] * 3
    pieces = [tok.decode_tokens(r) for r in rows]
    assert [len(p) for p in pieces] == [7, 4]
    kept = set(tok.vocabulary[3:])  # the 7 most frequent characters
    assert [c if c in kept else "<unk>" for c in "the cat sat"] == pieces[0] + pieces[1]
    saved = tmp_path / "tokenizer.json"
    tok.save(saved)
    assert text.Tokenizer.load(saved).vocabulary == tok.vocabulary


def test_bad_text_files_are_named(tmp_path):
    harness.assert_clear_error(
        lambda: text.text_file(write(tmp_path, "", "empty.txt")), "empty.txt", "empty", error=ValueError
    )
    harness.assert_clear_error(
        lambda: text.text_file(write(tmp_path, " \n\n \t\n", "blank.txt")), "empty", error=ValueError
    )
    harness.assert_clear_error(lambda: text.text_file(tmp_path / "missing.txt"), "missing.txt", error=FileNotFoundError)
    harness.assert_clear_error(
        lambda: text.text_file(write(tmp_path, CORPUS), level="byte"), "'char' or 'word'", error=ValueError
    )
    harness.assert_clear_error(lambda: text.text_file(write(tmp_path, CORPUS), seq_len=1), "seq_len", error=ValueError)


def test_sentence_units(tmp_path):
    data = text.text_file(write(tmp_path, "One two. Three four five!\nSix? Seven"), unit="sentence", test_fraction=0.0)
    assert sorted(data.decode(data.train)) == ["One two.", "Seven", "Six?", "Three four five!"]


# --- BLEU ----------------------------------------------------------------------------------------


def test_bleu():
    refs = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran"]]
    assert bleu([refs[0]], refs) == pytest.approx(1.0)
    assert bleu([["zebra"]], refs) == 0.0 and bleu([[]], refs) == 0.0
    # "the cat sat": p1 = 3/3, p2 = 2/2, closest reference length 3 -> no brevity penalty.
    assert bleu([["the", "cat", "sat"]], refs, max_order=2) == pytest.approx(1.0)
    # "the the the the": p1 = 2/4 (clipped by the max count 2), p2 = 0/3 -> smoothed 0.1/3;
    # the closest reference length is 3 (|3 - 4| < |6 - 4|) and 4 > 3: no brevity penalty.
    expected = math.exp(0.5 * math.log(2 / 4) + 0.5 * math.log(0.1 / 3))
    assert bleu([["the"] * 4], refs, max_order=2) == pytest.approx(expected)
    # Too short: "cat" vs closest length 3: brevity penalty exp(1 - 3/1); p1 = 1, p2 = 0.1/1.
    expected = math.exp(1 - 3) * math.exp(0.5 * math.log(1.0) + 0.5 * math.log(0.1))
    assert bleu([["cat"]], refs, max_order=2) == pytest.approx(expected)


def test_bleu_of_samples_against_held_out_text(tmp_path):
    data = text.text_file(write(tmp_path, CORPUS), seq_len=10, test_fraction=0.25)
    assert data.bleu(data.test[:3], max_order=3) == pytest.approx(1.0)
    noise = np.random.default_rng(0).integers(3, data.vocab_size, (20, 10)).astype("int32")
    assert data.bleu(noise, max_order=3) < 0.5
    harness.assert_clear_error(lambda: data.bleu(noise[:, :4]), "(num_samples, 10)", error=ValueError)

import subprocess
import sys
import threading

import numpy as np
import pytest

from feedaudit.understanding.embedder import (
    BUNDLED_MODEL_ID,
    Embedder,
    content_hash,
    pack_vector,
    unpack_matrix,
    unpack_vector,
)


def test_constructing_an_embedder_does_not_load_the_model():
    assert Embedder().is_loaded is False


def test_importing_the_module_does_not_import_torch():
    code = "import sys, feedaudit.understanding.embedder; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("name", [None, "", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_default_names_mean_the_bundled_model(name):
    assert Embedder(name).model_id == BUNDLED_MODEL_ID


def test_bundled_model_gives_384_unit_float32_vectors(embedder):
    vectors = embedder.encode(["A cat sat on the mat.", "Stock markets fell sharply on Monday."])
    assert embedder.model_id == BUNDLED_MODEL_ID
    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), [1.0, 1.0], atol=1e-5)


def test_identical_texts_give_identical_vectors(embedder):
    vectors = embedder.encode(["Same words here", "Other words", "Same words here"], batch_size=1)
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_paraphrase_is_closer_than_unrelated_sentence(embedder):
    anchor, paraphrase, unrelated = embedder.encode(
        ["The kitten is sleeping on the sofa", "A young cat naps on the couch", "Quarterly tax rules for small businesses"]
    )
    assert anchor @ paraphrase > 0.6
    assert anchor @ paraphrase > anchor @ unrelated + 0.3


def test_empty_input_gives_empty_matrix(embedder):
    assert embedder.encode([]).shape == (0, 384)


@pytest.mark.parametrize("bad", ["just one string", [1, "two"], [None]])
def test_non_text_input_is_a_clear_error(embedder, bad):
    with pytest.raises(ValueError):
        embedder.encode(bad)


def test_concurrent_first_use_loads_one_model():
    shared = Embedder()
    loaded = []
    threads = [threading.Thread(target=lambda: loaded.append(shared.load())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loaded) == 4
    assert all(model is loaded[0] for model in loaded)


def test_unknown_model_name_fails_offline_with_clear_error():
    with pytest.raises(ValueError, match="offline"):
        Embedder("no-such-org/no-such-model-feedaudit").load()


def test_local_model_path_is_accepted_and_used_as_model_id(embedder):
    from feedaudit.understanding.embedder import bundled_model_path

    by_path = Embedder(str(bundled_model_path()))
    assert by_path.model_id == str(bundled_model_path().resolve())
    np.testing.assert_allclose(by_path.encode(["hello world"]), embedder.encode(["hello world"]), atol=1e-6)


def test_content_hash_ignores_whitespace_runs_only():
    assert content_hash("  hello   world\n") == content_hash("hello world")
    assert content_hash("hello world") != content_hash("Hello world")
    assert content_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_float16_blob_round_trip_is_compact_and_close():
    vector = np.array([0.5, -0.25, 0.1, 1.0], dtype=np.float32)
    blob = pack_vector(vector, "float16")
    assert len(blob) == 8
    np.testing.assert_allclose(unpack_vector(blob, "float16"), vector, atol=1e-3)
    assert unpack_vector(blob, "float16").dtype == np.float32


def test_float32_blob_round_trip_is_exact():
    vector = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    blob = pack_vector(vector, "float32")
    assert blob == b"\xcd\xcc\xcc=\xcd\xccL>\x9a\x99\x99>"
    np.testing.assert_array_equal(unpack_vector(blob, "float32"), vector)


def test_unpack_matrix_stacks_blobs():
    blobs = [pack_vector(np.array([1.0, 2.0]), "float32"), pack_vector(np.array([3.0, 4.0]), "float32")]
    np.testing.assert_array_equal(unpack_matrix(blobs, "float32"), [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize(
    "call",
    [
        lambda: unpack_vector(b"\x00\x01\x02", "float16"),
        lambda: unpack_vector(b"\x00\x01", "int8"),
        lambda: pack_vector(np.zeros((2, 2))),
        lambda: unpack_matrix([pack_vector(np.zeros(2)), pack_vector(np.zeros(3))]),
        lambda: content_hash(None),
    ],
)
def test_bad_blobs_and_arguments_are_clear_errors(call):
    with pytest.raises(ValueError):
        call()

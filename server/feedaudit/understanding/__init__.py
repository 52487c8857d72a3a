"""Understanding items: embeddings, topic categories and clickbait scores.

Submodules are imported explicitly (``feedaudit.understanding.embedder`` etc.) so
that importing this package never loads torch or the model.
"""

"""Taxonomy editing and category corrections under /api/v1."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import categorizing
from ..errors import ApiError
from .common import get_db, json_object

bp = Blueprint("understanding", __name__, url_prefix="/api/v1")


def _category_call(function, *args, **kwargs):
    try:
        return function(get_db(), *args, **kwargs)
    except categorizing.CategoryError as exc:
        raise ApiError(exc.status, str(exc)) from None


def _id_or_none(payload: dict, field: str):
    value = payload.get(field)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise ApiError(400, f"'{field}' must be an integer category id or null")
    return value


@bp.get("/categories")
def list_categories():
    return jsonify({"ok": True, "categories": categorizing.list_categories(get_db())})


@bp.post("/categories")
def create_category():
    payload = json_object()
    category = _category_call(categorizing.create_category, payload.get("name"), payload.get("description"))
    return jsonify({"ok": True, "category": category}), 201


@bp.patch("/categories/<int:category_id>")
def update_category(category_id):
    payload = json_object()
    if not ({"name", "description"} & payload.keys()):
        raise ApiError(400, "send 'name' and/or 'description' to change")
    category = _category_call(categorizing.update_category, category_id, payload.get("name"), payload.get("description"))
    return jsonify({"ok": True, "category": category})


@bp.delete("/categories/<int:category_id>")
def delete_category(category_id):
    _category_call(categorizing.delete_category, category_id)
    return jsonify({"ok": True, "deleted": category_id})


@bp.post("/corrections")
def correct_item():
    """Body: {"item_key": ..., "category_id": id or null (null removes the correction)}."""
    payload = json_object()
    key = payload.get("item_key")
    if not isinstance(key, str) or not key:
        raise ApiError(400, "'item_key' must be the item's key (a string)")
    return jsonify({"ok": True, **_category_call(categorizing.correct_item, key, _id_or_none(payload, "category_id"))})

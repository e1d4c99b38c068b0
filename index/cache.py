"""The built index, cached on disk: tokenizing the article (and, for hybrid retrieval,
encoding it) costs far more than answering.

The cache key is a hash of the article's bytes, of the retrieval code, and of the versions
of the packages that shape the index (Sudachi and its dictionary, rank-bm25), so any change
to one of them builds the index anew; the encoder's vectors are keyed by that and the
encoder's name and version. Only the most recently used entries are kept. A cache that cannot
be read or written is ignored: no command ever fails because of it.

An entry holds data, never code: a line of JSON naming its key and the SHA-256 of what
follows, then the index as JSON lines or the vectors as a .npy array (allow_pickle=False).
Each is checked on load (the key, the checksum, the form, the shape and dtype, finite
values, passages and sentences that are the article's); one that fails is rebuilt, with one
line in the log.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import importlib.util
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import sudachidict_core
import sudachipy

from index.article import (
    MIN_PASSAGE_CHARS,
    ArticleError,
    bundled_article_path,
    decode_article,
    load_article,
    read_article,
)
from index.search import Params, Retriever, SearchIndex
from index.tokenize import Tokenizer
from index.translations import translations_for

if TYPE_CHECKING:
    from index.embed import Encoder, Vectors
    from index.hybrid import HybridIndex, HybridParams
    from index.memory import Memory


log = logging.getLogger(__name__)
T = TypeVar("T")

FORMAT = 1  # of the entries' header line
MODES = ("hybrid", "lexical")
# Cache entries kept: the newest by use (an entry is an index or its vectors; each article
# has one of each per retrieval mode), older ones are removed when a new one is written.
KEEP_ENTRIES = 8
SHIPPED_VECTORS = Path(__file__).parent / "data" / "musk-interview.ja.vectors"
# The bundled article's memory of labelled messages, and its vectors (scripts/ship_vectors.py).
SHIPPED_MEMORY = Path(__file__).parent / "data" / "musk-interview.ja.memory.jsonl"
SHIPPED_MEMORY_VECTORS = Path(__file__).parent / "data" / "musk-interview.ja.memory.vectors"


def cache_key(
    article_bytes: bytes,
    tokenizer: Tokenizer,
    params: Params,
    passage_chars: int = MIN_PASSAGE_CHARS,
) -> str:
    digest = hashlib.sha256(article_bytes)
    for path in sorted(Path(__file__).parent.glob("*.py")):  # the retrieval code
        digest.update(path.read_bytes())
    # The packages that shape the index, read without importing metadata (slow) or
    # rank-bm25 (which imports numpy): Sudachi's version, its dictionary file, rank-bm25's code.
    digest.update(sudachipy.__version__.encode())
    stat = (Path(sudachidict_core.__file__).parent / "resources" / "system.dic").stat()
    digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    spec = importlib.util.find_spec("rank_bm25")
    if spec and spec.origin:
        digest.update(Path(spec.origin).read_bytes())
    digest.update(repr((tokenizer, params, passage_chars)).encode())
    return digest.hexdigest()[:32]


def load_retriever(
    path: str | Path | None = None,
    mode: str = "hybrid",
    cache_dir: Path | None = None,
    hybrid: HybridParams | None = None,
    memory: Sequence[Path] = (),
) -> Retriever:
    """The article's index for `mode` ("hybrid" or "lexical"), cached in `cache_dir` (None:
    not cached). Where no sentence encoder is installed, hybrid falls back to lexical and says
    so once. Raises ArticleError."""
    if mode == "lexical":
        return load_index(path, cache_dir)
    from index.embed import default_encoder
    from index.hybrid import HybridIndex, HybridParams

    encoder = default_encoder()
    if encoder is None:
        return load_index(path, cache_dir)
    hybrid = hybrid or HybridParams()
    params = Params(readings=True)
    base = load_index(path, cache_dir, params=params, passage_chars=hybrid.passage_chars)
    raw = _read(path)
    entry: tuple[Path, str] | None = None
    cached = None
    if cache_dir is not None and raw is not None:
        key = f"{cache_key(raw, base.tokenizer, base.params, hybrid.passage_chars)}.{encoder.name}"
        entry = (cache_dir / f"{key}.npy", key)
        cached = _read_entry(*entry, lambda data: _vectors(data, base, encoder))
    vectors = cached if cached is not None else shipped_vectors(base, encoder)
    # (Encodes the article when there are no vectors.)
    index = HybridIndex(base, encoder, hybrid, vectors, translations=translations_for(path))
    if entry is not None and cached is None:
        _write_entry(*entry, [_npy(index.vectors)])
    index.memory = load_memory(index, memory, _bundled(path), cache_dir)
    return index


def reload_memory(
    retriever: Retriever,
    path: str | Path | None,
    files: Sequence[Path],
    cache_dir: Path | None,
    stopped: Callable[[], bool] = lambda: False,
) -> HybridIndex | None:
    """A copy of `retriever` (loaded from the article at `path`) with its memory of labelled
    messages read again, from the bundled article's and the operator's `files`: the answers
    under way keep the retriever they began with. Only the questions the memory in use does
    not hold are encoded (and cached as at start), a few at a time while not `stopped` (else
    Stopped). None for lexical retrieval, which reads no memory. Raises MemoryFileError for a
    file that is not one."""
    from index.hybrid import HybridIndex

    if not isinstance(retriever, HybridIndex):
        return None
    renewed = copy.copy(retriever)
    renewed.memory = load_memory(
        retriever, files, _bundled(path), cache_dir, retriever.memory, stopped
    )
    return renewed


def _bundled(path: str | Path | None) -> bool:
    """Whether the article at `path` is the bundled one (which has a memory of its own)."""
    return path is None or _same_file(Path(path), bundled_article_path())


def load_memory(
    index: HybridIndex,
    files: Sequence[Path],
    bundled: bool,
    cache_dir: Path | None,
    known: Memory | None = None,
    stopped: Callable[[], bool] = lambda: False,
) -> Memory | None:
    """The memory of labelled messages: the bundled article's (when it is the one asked) and
    the operator's `files`, each with its vectors (the shipped ones, cached ones, those of the
    same questions in the memory `known`, or encoded now, while not `stopped`); None when there
    is none. Raises MemoryFileError for a file that is not one."""
    import numpy as np

    from index.memory import Memory, load_examples

    held: dict[str, Vectors] = {}  # question → its vector, in the memory known
    if known is not None:
        held = {e.question: v for e, v in zip(known.examples, known.vectors, strict=True)}
    parts: list[tuple[Path, Path | None]] = []
    if bundled and SHIPPED_MEMORY.is_file():
        parts.append((SHIPPED_MEMORY, SHIPPED_MEMORY_VECTORS))
    parts += [(Path(f), None) for f in files]
    examples, vectors = [], []
    for file, shipped in parts:
        found = load_examples(file)
        if not found:
            continue
        texts = [index.read(e.question) for e in found]
        key = memory_key(texts, index.encoder)
        load = functools.partial(_memory_vectors, rows=len(texts), encoder=index.encoder)
        kept = _read_entry(shipped, key, load, quiet=True) if shipped else None
        entry = cache_dir / f"{key}.npy" if cache_dir is not None else None
        if kept is None and entry is not None:
            kept = _read_entry(entry, key, load)
        if kept is None:
            new = [t for e, t in zip(found, texts, strict=True) if e.question not in held]
            fresh = iter(encode_questions(index.encoder, new, stopped) if new else ())
            kept = np.stack(
                [held[e.question] if e.question in held else next(fresh) for e in found]
            )
            if entry is not None:
                _write_entry(entry, key, [_npy(kept)])
        examples += found
        vectors.append(kept)
    if not examples:
        return None
    return Memory(tuple(examples), np.concatenate(vectors))


class Stopped(Exception):
    """Encoding gave up, as asked (the bot is stopping)."""


def encode_questions(
    encoder: Encoder, texts: Sequence[str], stopped: Callable[[], bool] = lambda: False
) -> Vectors:
    """The question vectors of `texts`, encoded a batch at a time; Stopped when `stopped`
    says so before a batch."""
    import numpy as np

    rows = []
    for start in range(0, len(texts), 8):
        if stopped():
            raise Stopped
        batch = texts[start : start + 8]
        encoder.questions(batch)
        rows += [encoder.question(t) for t in batch]
    return np.stack(rows).astype(np.float32)


def memory_key(texts: Sequence[str], encoder: Encoder) -> str:
    """What a memory's vectors depend on: the texts read of its questions, and the encoder."""
    digest = hashlib.sha256(f"memory:{encoder.name}".encode())
    for text in texts:
        digest.update(b"\0" + text.encode())
    return digest.hexdigest()[:32]


def _memory_vectors(data: BinaryIO, rows: int, encoder: Encoder) -> Vectors:
    import numpy as np

    vectors: Vectors = np.load(data, allow_pickle=False)
    if vectors.dtype != np.float32 or vectors.shape != (rows, encoder.dimensions):
        raise ValueError(f"memory vectors of shape {vectors.shape} and type {vectors.dtype}")
    if not np.isfinite(vectors).all():
        raise ValueError("memory vectors not finite")
    return vectors


def write_shipped_memory_vectors(index: HybridIndex) -> int:
    """Encode the bundled memory's questions and write their vectors beside it."""
    from index.memory import load_examples

    texts = [index.read(e.question) for e in load_examples(SHIPPED_MEMORY)]
    key = memory_key(texts, index.encoder)
    _write_entry(SHIPPED_MEMORY_VECTORS, key, [_npy(encode_questions(index.encoder, texts))], None)
    return len(texts)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


def _npy(vectors: Vectors) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    return buffer.getvalue()


def _vectors(data: BinaryIO, base: SearchIndex, encoder: Encoder) -> Vectors:
    """The vectors an entry holds, checked against the index and encoder they are for."""
    import numpy as np

    from index.hybrid import encoded_texts

    vectors: Vectors = np.load(data, allow_pickle=False)
    expected = (len(encoded_texts(base)),)
    if vectors.dtype != np.float32 or vectors.shape[:1] != expected or vectors.ndim != 2:
        raise ValueError(f"vectors of shape {vectors.shape} and type {vectors.dtype}")
    if vectors.shape[1] != encoder.dimensions or not np.isfinite(vectors).all():
        raise ValueError("vectors not of the encoder's size, or not finite")
    return vectors


def texts_key(base: SearchIndex, encoder: Encoder) -> str:
    """What vectors depend on: the texts encoded (passages, then sentences) and the encoder."""
    from index.hybrid import encoded_texts

    digest = hashlib.sha256(encoder.name.encode())
    for text in encoded_texts(base):
        digest.update(b"\0" + text.encode())
    return digest.hexdigest()[:32]


def shipped_vectors(base: SearchIndex, encoder: Encoder) -> Vectors | None:
    """The bundled article's vectors as shipped in the package (scripts/ship_vectors.py writes
    them), when they are of these texts and this encoder: the first answer after installing
    then needs no encoding (about 10 s). None for any other article."""
    key = texts_key(base, encoder)
    return _read_entry(SHIPPED_VECTORS, key, lambda data: _vectors(data, base, encoder), quiet=True)


def write_shipped_vectors(base: SearchIndex, encoder: Encoder, vectors: Vectors) -> None:
    _write_entry(SHIPPED_VECTORS, texts_key(base, encoder), [_npy(vectors)], keep=None)


def _read(path: str | Path | None) -> bytes | None:
    with contextlib.suppress(ArticleError):
        return read_article(Path(path) if path is not None else bundled_article_path())
    return None


def load_index(
    path: str | Path | None = None,
    cache_dir: Path | None = None,
    tokenizer: Tokenizer | None = None,
    params: Params | None = None,
    passage_chars: int = MIN_PASSAGE_CHARS,
) -> SearchIndex:
    """The lexical index of the article at `path` (the bundled one by default), from the
    cache in `cache_dir` when it holds it, else built (and cached there, unless `cache_dir` is
    None). Raises ArticleError as load_article does."""
    tokenizer = tokenizer or Tokenizer()
    params = params or Params()
    source = Path(path) if path is not None else bundled_article_path()
    raw = _read(source)
    if raw is None:
        return SearchIndex(load_article(source, passage_chars), tokenizer, params)  # reports it
    article = decode_article(raw, source, passage_chars)
    if cache_dir is None:
        return SearchIndex(article, tokenizer, params)
    key = cache_key(raw, tokenizer, params, passage_chars)
    file = cache_dir / f"{key}.json"
    cached = _read_entry(  # (a JSONDecodeError is a ValueError: damaged)
        file, key, lambda lines: SearchIndex(article, tokenizer, params, map(json.loads, lines))
    )
    if cached is not None:
        return cached
    index = SearchIndex(article, tokenizer, params)
    _write_entry(file, key, map(_json_line, index.to_data()))
    return index


def _json_line(part: object) -> bytes:
    return json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _read_entry(
    file: Path, key: str, load: Callable[[BinaryIO], T], quiet: bool = False
) -> T | None:
    """What `load` reads from the entry at `file`, once its header line names `key` and
    the checksum of the rest; None when there is none (or it cannot be read), or it fails a
    check or `load` raises a ValueError (logged; `quiet`: a key of other texts is not logged)."""
    try:
        with file.open("rb") as handle:
            header, payload = handle.readline(4096), handle.read()
    except OSError:
        return None
    try:
        head = json.loads(header)
        if not isinstance(head, dict) or head.get("format") != FORMAT:
            raise ValueError("not an entry of this format")
        if head.get("key") != key:
            if quiet:
                return None
            raise ValueError("not an entry of this key")
        if head.get("sha256") != hashlib.sha256(payload).hexdigest():
            raise ValueError("its content does not match its checksum")
        if not quiet:
            with contextlib.suppress(OSError):
                os.utime(file)  # used last: kept longest
        return load(io.BytesIO(payload))
    except ValueError as exc:
        _damaged(file, str(exc))
        return None


def _write_entry(
    file: Path, key: str, chunks: Iterable[bytes], keep: int | None = KEEP_ENTRIES
) -> None:
    """Write the entry aside and rename it, so that a concurrent reader never sees half a
    file; then remove the entries used least recently, beyond the newest `keep` (None: none).
    The content is written as it comes (a large article's is large): its checksum, in the
    header line before it, is filled in last."""
    digest = hashlib.sha256()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=file.parent, suffix=".tmp", delete=False) as tmp:
            try:
                tmp.write(_header(key, digest.hexdigest()))
                for chunk in chunks:
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.seek(0)
                tmp.write(_header(key, digest.hexdigest()))  # of the same length
            except BaseException:
                os.unlink(tmp.name)
                raise
        os.replace(tmp.name, file)
    except OSError:
        return  # no cache this time: the next start builds the index again
    if keep is not None:
        _prune(file, keep)


def _header(key: str, sha256: str) -> bytes:
    return json.dumps({"format": FORMAT, "key": key, "sha256": sha256}).encode() + b"\n"


def _damaged(file: Path, reason: str) -> None:
    log.warning("the cached index %s is damaged (%s): building it again", file.name, reason)


def _prune(file: Path, keep: int) -> None:
    entries = []
    # (.pickle: entries of earlier versions, never read.)
    for entry in (e for ext in ("json", "npy", "pickle") for e in file.parent.glob(f"*.{ext}")):
        with contextlib.suppress(OSError):
            entries.append((entry.stat().st_mtime_ns, entry))
    entries.sort(reverse=True)
    for _, entry in entries[keep:]:
        if entry != file:
            with contextlib.suppress(OSError):
                entry.unlink()

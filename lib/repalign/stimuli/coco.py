"""COCO-format folders: the one reader of COCO annotation files and image folders.

COCO (Lin et al. 2014) ships its images in one folder per split (``train2017/``, ``val2017/``) and its
annotations as JSON files (``annotations/captions_<split>.json``, ``annotations/instances_<split>.json``).
:func:`coco_image_list` lists the images of a folder (for feature extraction at scale);
:func:`read_coco` reads a whole split with its captions and categories (for training BLT networks).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["COCO_CATEGORIES", "IMAGE_SUFFIXES", "CocoImageList", "CocoScenes", "coco_image_list", "read_coco"]


#: The 80 COCO object categories, in COCO's id order (the targets of the BLT ``"category"`` readout).
COCO_CATEGORIES = (
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic light",
    "fire hydrant",
    "stop sign",
    "parking meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports ball",
    "kite",
    "baseball bat",
    "baseball glove",
    "skateboard",
    "surfboard",
    "tennis racket",
    "bottle",
    "wine glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted plant",
    "bed",
    "dining table",
    "toilet",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy bear",
    "hair drier",
    "toothbrush",
)


#: File suffixes taken as images when a folder is listed without an annotation file.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class CocoImageList:
    """Result of :func:`coco_image_list`: the images of a folder, sorted by id.

    Iterating yields ``ids`` then ``files``, so ``ids, files = coco_image_list(...)`` works.

    Attributes
    ----------
    ids : numpy.ndarray of int64
        COCO image ids.
    files : list of str
        Image paths, in the order of ``ids``.
    """

    ids: np.ndarray
    files: list

    def __iter__(self):
        yield self.ids
        yield self.files

    def __len__(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class CocoScenes:
    """Result of :func:`read_coco`: one split of a COCO-format folder, sorted by image id.

    Attributes
    ----------
    ids : numpy.ndarray of int64
        COCO image ids.
    files : list of pathlib.Path
        Image paths, in the order of ``ids``.
    captions : list of list of str
        The captions of each image (empty where an image has none).
    categories : list of list of str
        The COCO categories of each image's instance annotations, in :data:`COCO_CATEGORIES` order
        (empty where an image has none or there is no ``instances_<split>.json``).
    split : str
        The split read (e.g. ``"val2017"``).
    """

    ids: np.ndarray
    files: list
    captions: list
    categories: list
    split: str

    def __len__(self) -> int:
        return len(self.files)


def _read_annotations(path: Path) -> dict:
    """A COCO annotation file as a dict (``ValueError`` if it is not JSON holding an object)."""
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise ValueError(f"{path} is not a COCO annotation file ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a COCO annotation file (it holds no JSON object)")
    return data


def _image_entries(data: dict, path: Path) -> list[tuple[int, str]]:
    """The ``(id, file_name)`` of every ``"images"`` entry of an annotation file, sorted by id."""
    try:
        return sorted((int(e["id"]), str(e["file_name"])) for e in data["images"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a COCO annotation file ({type(exc).__name__}: {exc})") from None


def _check_files_exist(files, where) -> None:
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} image file(s) listed by the annotations are missing from {where}, e.g. {missing[0]}"
        )


def coco_image_list(images, annotations=None) -> CocoImageList:
    """Ids and paths of the images of a COCO-format folder.

    Parameters
    ----------
    images : str or pathlib.Path
        Folder of images (e.g. ``coco/train2017``).
    annotations : str or pathlib.Path, optional
        A COCO annotation file (e.g. ``captions_train2017.json``): its ``"images"`` entries
        (``id``, ``file_name``) give the list, sorted by id. Without it: every ``.jpg``,
        ``.jpeg`` or ``.png`` in the folder, sorted by name, with ids from the digits of the file
        names (COCO's ``000000000139.jpg`` is id 139).

    Returns
    -------
    CocoImageList
        ``ids`` (int64) and ``files`` (str); unpacks as ``ids, files``.

    Raises
    ------
    FileNotFoundError
        If the folder, the annotation file or an image it lists is missing.
    ValueError
        If the annotation file is not COCO's format, lists no images, or file names give no (or duplicate) ids.
    """
    folder = Path(images)
    if not folder.is_dir():
        raise FileNotFoundError(f"images folder not found: {folder}")
    if annotations is not None:
        ann_path = Path(annotations)
        if not ann_path.is_file():
            raise FileNotFoundError(f"annotations file not found: {ann_path}")
        pairs = _image_entries(_read_annotations(ann_path), ann_path)
        if not pairs:
            raise ValueError("annotations lists no images")
        files = [str(folder / name) for _, name in pairs]
        _check_files_exist(files, folder)
        return CocoImageList(np.array([i for i, _ in pairs], dtype=np.int64), files)
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not found:
        raise ValueError(f"no .jpg/.jpeg/.png images in {folder}")
    ids = []
    for p in found:
        digits = re.findall(r"\d+", p.stem)
        if not digits:
            raise ValueError(f"cannot read an image id from the file name {p.name}; pass annotations")
        ids.append(int(digits[-1]))
    if len(set(ids)) != len(ids):
        raise ValueError("file names give duplicate image ids; pass annotations")
    return CocoImageList(np.array(ids, dtype=np.int64), [str(p) for p in found])


def read_coco(
    folder, *, split: str | None = None, image_dir: str | None = None, require_categories: bool = False
) -> CocoScenes:
    """Read one split of a COCO-format folder: its images, captions and categories.

    The folder holds ``annotations/captions_<split>.json`` and, optionally,
    ``annotations/instances_<split>.json`` (or the same files at its top level), and the images named by
    the ``file_name`` of the captions file's ``"images"`` entries.

    Parameters
    ----------
    folder : str or pathlib.Path
        The COCO root (e.g. holding ``annotations/`` and ``train2017/``).
    split : str, optional
        E.g. ``"train2017"``; ``None`` takes the single ``captions_*.json`` found.
    image_dir : str, optional
        Folder of the images relative to ``folder`` (default: ``split`` if that folder exists, else
        ``images``, else ``folder`` itself).
    require_categories : bool
        Drop images without instance annotations (and require ``instances_<split>.json``).

    Returns
    -------
    CocoScenes
        The images sorted by id, with their captions and categories.

    Raises
    ------
    ValueError
        If ``folder`` is not a directory, does not hold exactly one matching captions file, or no image is
        left; or if the instances file names a category that is not in :data:`COCO_CATEGORIES`.
    FileNotFoundError
        If an image listed by the captions file is missing.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"folder {root} is not a directory")
    found = sorted(root.glob("captions_*.json")) + sorted(root.glob("annotations/captions_*.json"))
    if split is not None:
        found = [p for p in found if p.name == f"captions_{split}.json"]
    if len(found) != 1:
        raise ValueError(
            f"folder must hold exactly one captions_{split or '*'}.json (at the top or in "
            f"annotations/); found {[p.name for p in found]}"
        )
    cap_path = found[0]
    split = cap_path.stem[len("captions_") :]
    inst_path = cap_path.with_name(f"instances_{split}.json")
    caps_json = _read_annotations(cap_path)
    captions: dict[int, list[str]] = {}
    for a in caps_json.get("annotations", []):
        captions.setdefault(int(a["image_id"]), []).append(str(a["caption"]).strip())
    categories: dict[int, set] = {}
    if inst_path.exists():
        inst = _read_annotations(inst_path)
        names = {int(c["id"]): c["name"] for c in inst.get("categories", [])}
        unknown = sorted(set(names.values()) - set(COCO_CATEGORIES))
        if unknown:
            raise ValueError(f"{inst_path.name} names categories that are not COCO categories: {unknown[:5]}")
        for a in inst.get("annotations", []):
            categories.setdefault(int(a["image_id"]), set()).add(names[int(a["category_id"])])
    elif require_categories:
        raise ValueError(f"require_categories=True but {inst_path.name} is missing")
    if image_dir is None:
        image_dir = next((d for d in (split, "images") if (root / d).is_dir()), ".")
    img_root = root / image_dir
    entries = _image_entries(caps_json, cap_path) if "images" in caps_json else []
    if require_categories:
        entries = [(iid, name) for iid, name in entries if categories.get(iid)]
    if not entries:
        raise ValueError(f"{cap_path} lists no images (after filtering)")
    files = [img_root / name for _, name in entries]
    _check_files_exist(files, img_root)
    return CocoScenes(
        ids=np.array([iid for iid, _ in entries], dtype=np.int64),
        files=files,
        captions=[captions.get(iid, []) for iid, _ in entries],
        categories=[sorted(categories.get(iid, set()), key=COCO_CATEGORIES.index) for iid, _ in entries],
        split=split,
    )

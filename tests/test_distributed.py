"""Scale-out on dask.distributed: equality with the single-process path, resume, clean shutdown.

One LocalCluster (2 worker processes, 1 thread each, on 127.0.0.1) serves the module; the last
test shuts it down and checks that its worker processes are gone.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import numpy as np
import pytest
from scipy.spatial.distance import pdist

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)

from repalign import searchlight as sl
from repalign.distributed import local_cluster
from repalign.models.shards import extract_image_features
from repalign.stimuli.coco import coco_image_list


@pytest.fixture(scope="module")
def cluster():
    cm = local_cluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GB")
    client = cm.__enter__()
    state = {"client": client, "cm": cm, "open": True}
    yield state
    if state["open"]:
        cm.__exit__(None, None, None)


def _subjects(n_subjects=3, n_cond=20, shape=(9, 10, 8), seed=0):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=bool)
    mask[1:-1, 1:-1, 1:-1] = True
    mask[4, 4, 3] = False
    models = np.stack([pdist(rng.normal(size=(n_cond, 3))), pdist(rng.normal(size=(n_cond, 2)))])
    data = [rng.normal(size=(n_cond,) + shape) for _ in range(n_subjects)]
    return data, mask, models


def test_group_searchlight_on_cluster_is_bit_for_bit_local(cluster):
    client = cluster["client"]
    data, mask, models = _subjects()
    kw = dict(radius=2.5, max_memory=2e5, progress=False)  # many small chunks -> many tasks
    local = sl.group_searchlight(data, mask, models, n_jobs=1, **kw)
    assert len(local) == 3
    threaded = sl.group_searchlight(data, mask, models, n_jobs=2, **kw)
    remote = sl.group_searchlight(data, mask, models, client=client, **kw)
    per_model = sl.group_searchlight(data, mask, models, client=client, models_per_task=1, **kw)
    for a, b, c, d in zip(local, threaded, remote, per_model):
        assert a.shape == (2,) + mask.shape
        assert np.array_equal(a, b, equal_nan=True)
        assert np.array_equal(a, c, equal_nan=True)
        assert np.array_equal(a, d, equal_nan=True)
    one = sl.searchlight_rsa(data[1], mask, models[0], client=client, **kw)
    assert np.array_equal(one, local[1][0], equal_nan=True)
    # and the numbers are the searchlight's: the plain per-centre computation
    from scipy.stats import spearmanr

    flat = data[0].reshape(data[0].shape[0], -1)
    for c, nb in list(zip(np.argwhere(mask), sl.searchlight_neighbors(mask, radius=2.5)))[::37]:
        rho = spearmanr(pdist(flat[:, nb], "correlation"), models[1]).statistic
        assert abs(remote[0][(1,) + tuple(c)] - rho) < 1e-5


def test_permutation_fwe_on_cluster_is_bit_for_bit_local(cluster):
    client = cluster["client"]
    rng = np.random.default_rng(4)
    mask = np.zeros((6, 7, 5), dtype=bool)
    mask[1:5, 1:6, 1:4] = True
    maps = rng.normal(0.0, 0.2, size=(8,) + mask.shape)
    maps[:, 2, 2, 2] += 0.5  # one true effect
    kw = dict(n_perm=300, seed=7, progress=False)
    local = sl.group_permutation_test(maps, mask, batch_size=300, **kw)
    remote = sl.group_permutation_test(maps, mask, batch_size=40, client=client, **kw)
    for field in ("t", "p", "p_fwe"):
        assert np.array_equal(getattr(local, field), getattr(remote, field), equal_nan=True)
    assert np.array_equal(local.max_null, remote.max_null)
    # oracle: a plain loop over the same flips
    x = maps[:, mask]
    flips = np.random.default_rng(7).choice(np.array([-1.0, 1.0]), size=(300, 8))
    null_max = np.array([np.max((f[:, None] * x).mean(0) / ((f[:, None] * x).std(0, ddof=1) / np.sqrt(8)))
                         for f in flips])
    np.testing.assert_allclose(local.max_null, null_max, rtol=1e-10)
    t = local.t[mask]
    np.testing.assert_allclose(local.p_fwe[mask], (1 + (null_max[None, :] >= t[:, None] - 1e-9).sum(1)) / 301)
    assert np.all(local.p_fwe[mask] >= local.p[mask])  # FWE is never more lenient than uncorrected
    assert local.p_fwe[2, 2, 2] < 0.05 and np.mean(local.p_fwe[mask] < 0.05) < 0.05
    assert np.array_equal(sl.group_ttest(maps, mask, n_perm=300, seed=7, progress=False).p, local.p, equal_nan=True)


@pytest.fixture(scope="module")
def coco_folder(tmp_path_factory):
    """A tiny COCO-format folder: 10 COCO-MINI photos (shrunk) and a captions annotation file."""
    from repalign.stimuli import load_stimuli

    root = tmp_path_factory.mktemp("coco")
    (root / "images").mkdir()
    stim = load_stimuli("coco_mini")
    entries = []
    for k in range(10):
        img = stim.images[k]
        img.thumbnail((96, 96))
        name = f"{int(stim.ids[k]):012d}.jpg"
        img.save(root / "images" / name, quality=90)
        entries.append({"id": int(stim.ids[k]), "file_name": name})
    (root / "captions.json").write_text(json.dumps({"images": entries[::-1], "annotations": []}))
    return root


def test_coco_image_list(coco_folder):
    ids, files = coco_image_list(coco_folder / "images", coco_folder / "captions.json")
    ids2, files2 = coco_image_list(coco_folder / "images")
    assert np.array_equal(ids, np.sort(ids)) and np.array_equal(ids, ids2) and files == files2
    with pytest.raises(FileNotFoundError, match="images folder"):
        coco_image_list(coco_folder / "nope")


@pytest.fixture(scope="module")
def local_features(coco_folder, tmp_path_factory):
    """Single-process reference: shards of 3 images, EfficientNet-Lite0 stage 3 (40-d)."""
    ids, files = coco_image_list(coco_folder / "images", coco_folder / "captions.json")
    return extract_image_features(files, tmp_path_factory.mktemp("local"), ids=ids, layer="stage3", shard_size=3,
                                  batch_size=2, progress=False)


def test_feature_shards_resume_and_corruption(cluster, coco_folder, local_features, tmp_path):
    from PIL import Image
    from repalign.models import image_features

    client = cluster["client"]
    local = local_features
    ids, files = coco_image_list(coco_folder / "images", coco_folder / "captions.json")
    kw = dict(ids=ids, layer="stage3", shard_size=3, batch_size=2, progress=False)
    assert local.computed == [0, 1, 2, 3] and local.features.shape == (10, 40)
    assert np.array_equal(local.ids, ids)
    direct = image_features([Image.open(f).convert("RGB") for f in files], layer="stage3", cache=False,
                            progress=False)
    np.testing.assert_allclose(local.features, direct, atol=1e-5)
    remote = extract_image_features(files, tmp_path / "remote", client=client, **kw)
    np.testing.assert_allclose(remote.features, local.features, atol=1e-6)
    # an interrupted run: one shard never written, one half-written, one stray temporary file
    out = tmp_path / "remote"
    (out / "shard_00001.npz").unlink()
    raw = (out / "shard_00002.npz").read_bytes()
    (out / "shard_00002.npz").write_bytes(raw[: len(raw) // 2])
    (out / ".shard_00003.npz.abc.tmp").write_bytes(raw[:100])
    before = (out / "shard_00000.npz").stat().st_mtime_ns
    with pytest.warns(RuntimeWarning, match="shard_00002.npz is unreadable"):
        again = extract_image_features(files, out, client=client, **kw)
    assert again.computed == [1, 2]  # finished shards are skipped
    assert (out / "shard_00000.npz").stat().st_mtime_ns == before
    assert np.array_equal(again.features, remote.features)
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
    assert extract_image_features(files, out, client=client, **kw).computed == []


def test_feature_shards_survive_a_killed_worker(cluster, coco_folder, local_features, tmp_path):
    client = cluster["client"]
    ids, files = coco_image_list(coco_folder / "images")
    pids = client.run(os.getpid)
    out = tmp_path / "killed"
    result = {}
    run = threading.Thread(target=lambda: result.update(
        r=extract_image_features(files, out, layer="stage3", shard_size=1, client=client, progress=False)))
    run.start()
    deadline = time.time() + 30
    while not list(out.glob("shard_*.npz")) and time.time() < deadline:
        time.sleep(0.05)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)  # mid-run: shards done so far stay, its running task is redone
    run.join(timeout=60)
    assert not run.is_alive() and "r" in result
    assert len(result["r"].computed) == 10 and len(list(out.glob("shard_*.npz"))) == 10
    np.testing.assert_allclose(result["r"].features, local_features.features, atol=1e-5)
    client.wait_for_workers(2, timeout=30)  # the nanny restarted the killed worker
    assert victim not in client.run(os.getpid).values()


def test_clean_shutdown(cluster):
    import psutil

    client, cm = cluster["client"], cluster["cm"]
    pids = list(client.run(os.getpid).values())
    assert len(pids) == 2 and all(psutil.pid_exists(p) for p in pids)
    cm.__exit__(None, None, None)
    cluster["open"] = False
    assert client.status == "closed"
    deadline = time.time() + 10
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids) \
            and time.time() < deadline:
        time.sleep(0.1)
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)

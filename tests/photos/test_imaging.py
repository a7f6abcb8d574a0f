"""photos.imaging and photos.phash: facts, renditions, refusals and the near-duplicate index. No database."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageFile, ImageStat

from photos.imaging import DISPLAY_BOX, THUMBNAIL_BOX, ImageRejected, Limits, process
from photos.phash import NEAR_DUPLICATE_DISTANCE, bands, hamming, phash, to_signed, to_unsigned

from .imagefiles import OFFSET_TIME, bad_files, make_image, make_jpeg, make_png, picture

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
TAKEN = datetime(2024, 5, 1, 10, 11, 12)


def run(data: bytes, **kwargs):
    return process(io.BytesIO(data), **kwargs)


def decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert "exif" not in image.info
        assert len(image.getexif()) == 0
        image.load()
        return image.copy()


def difference(a: Image.Image, b: Image.Image) -> float:
    with ImageChops.difference(a.convert("L"), b.convert("L")) as diff:
        return ImageStat.Stat(diff).mean[0]


class TestFacts:
    def test_capture_time_with_offset_is_aware(self):
        facts, _ = run(make_jpeg(taken_at=TAKEN, offset="-04:00"))
        assert facts.taken_at == TAKEN.replace(tzinfo=timezone(timedelta(hours=-4)))
        assert facts.taken_at.utcoffset() == timedelta(hours=-4)

    def test_offset_time_is_the_fallback_offset(self):
        facts, _ = run(make_jpeg(taken_at=TAKEN, extra_exif={OFFSET_TIME: "+05:30"}))
        assert facts.taken_at.utcoffset() == timedelta(hours=5, minutes=30)

    def test_capture_time_without_offset_is_naive(self):
        facts, _ = run(make_jpeg(taken_at=TAKEN))
        assert facts.taken_at == TAKEN
        assert facts.taken_at.tzinfo is None

    @pytest.mark.parametrize(
        "raw", ["0000:00:00 00:00:00", "    :  :     :  :  ", "yesterday", "2024:13:40 25:00:00"]
    )
    def test_unusable_capture_time_is_none(self, raw):
        facts, _ = run(make_jpeg(extra_exif={0x9003: raw}))
        assert facts.taken_at is None

    def test_unusable_offset_leaves_time_naive(self):
        facts, _ = run(make_jpeg(taken_at=TAKEN, offset="+99:00"))
        assert facts.taken_at == TAKEN

    def test_no_exif_means_no_time_place_or_camera(self):
        facts, _ = run(make_jpeg())
        assert (facts.taken_at, facts.latitude, facts.longitude) == (None, None, None)
        assert (facts.orientation, facts.camera_make, facts.camera_model) == (1, None, None)

    @pytest.mark.parametrize(
        "place", [(40.7128, 74.0060), (-33.8688, -151.2093), (40.7128, -74.0060), (-33.8688, 151.2093)]
    )
    def test_gps_with_hemisphere_references(self, place):
        facts, _ = run(make_jpeg(gps=place))
        assert facts.latitude == pytest.approx(place[0], abs=1e-6)
        assert facts.longitude == pytest.approx(place[1], abs=1e-6)

    def test_gps_zero_zero_is_no_fix(self):
        facts, _ = run(make_jpeg(gps=(0.0, 0.0)))
        assert (facts.latitude, facts.longitude) == (None, None)

    def test_camera_make_and_model(self):
        facts, _ = run(make_jpeg(camera=("Acme\x00", " Field X1 ")))
        assert (facts.camera_make, facts.camera_model) == ("Acme", "Field X1")

    def test_sha256_size_and_format(self):
        data = make_jpeg(seed=3)
        facts, _ = run(data)
        assert facts.sha256 == hashlib.sha256(data).hexdigest()
        assert facts.size_bytes == len(data)
        assert (facts.format, facts.width, facts.height) == ("JPEG", 640, 480)

    def test_path_and_non_seekable_stream_give_the_same_facts(self, tmp_path: Path):
        data = make_jpeg(seed=4, taken_at=TAKEN)
        path = tmp_path / "photo.jpg"
        path.write_bytes(data)

        class Stream(io.RawIOBase):  # a socket-like upload: read() only
            def __init__(self):
                self._inner = io.BytesIO(data)

            def readable(self):
                return True

            def readinto(self, buffer):
                return self._inner.readinto(buffer)

        assert process(path)[0] == process(str(path))[0] == process(Stream())[0] == run(data)[0]

    def test_file_object_is_left_open_at_its_start(self):
        upload = io.BytesIO(make_jpeg())
        upload.seek(100)
        process(upload)
        assert not upload.closed
        assert upload.tell() == 0

    @pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
    def test_no_file_handle_left_open(self, tmp_path: Path):
        good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
        good.write_bytes(make_jpeg())
        bad.write_bytes(make_jpeg()[:3000])
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(5):
            process(good)
            with pytest.raises(ImageRejected):
                process(bad)
        assert len(os.listdir("/proc/self/fd")) == before

    def test_mpo_from_a_phone_counts_as_jpeg(self):
        buffer = io.BytesIO()
        with picture(320, 240, seed=1) as first, picture(320, 240, seed=2) as second:
            first.save(buffer, "MPO", save_all=True, append_images=[second])
        facts, _ = run(buffer.getvalue())
        assert facts.format == "JPEG"

    def test_truncation_guard_refuses_to_run_when_pillow_would_accept_truncated_files(self, monkeypatch):
        monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
        with pytest.raises(RuntimeError):
            run(make_jpeg())


class TestOrientation:
    def test_orientation_6_swaps_width_and_height(self):
        facts, renditions = run(make_jpeg(800, 600, orientation=6))
        assert (facts.orientation, facts.width, facts.height) == (6, 600, 800)
        assert decoded(renditions.display).size == (600, 800)
        assert decoded(renditions.thumbnail).size == (240, 320)

    @pytest.mark.parametrize(
        ("orientation", "upright"),
        [(3, Image.Transpose.ROTATE_180), (6, Image.Transpose.ROTATE_270), (8, Image.Transpose.ROTATE_90)],
    )
    def test_display_is_rotated_upright(self, orientation, upright):
        # Square, so only the content (not the size) shows whether the rotation was applied.
        _, renditions = run(make_jpeg(400, 400, orientation=orientation, seed=5))
        expected = picture(400, 400, seed=5).transpose(upright)
        display = decoded(renditions.display)
        assert difference(display, expected) < 5
        assert difference(display, picture(400, 400, seed=5)) > 4 * difference(display, expected)

    def test_invalid_orientation_is_upright(self):
        facts, _ = run(make_jpeg(orientation=42))
        assert facts.orientation == 1


class TestRenditions:
    def test_large_photo_is_decoded_small_but_keeps_a_full_display(self):
        facts, renditions = run(make_jpeg(4000, 3000, seed=9, gps=(1.5, 2.5), taken_at=TAKEN))
        assert (facts.width, facts.height) == (4000, 3000)
        assert decoded(renditions.display).size == (DISPLAY_BOX, 1200)
        assert decoded(renditions.thumbnail).size == (THUMBNAIL_BOX, 240)

    def test_small_photo_is_never_upscaled(self):
        _, renditions = run(make_jpeg(200, 100))
        assert decoded(renditions.display).size == (200, 100)
        assert decoded(renditions.thumbnail).size == (200, 100)

    def test_portrait_fits_the_boxes(self):
        _, renditions = run(make_png(1000, 3000))
        assert decoded(renditions.display).size == (533, 1600)
        assert decoded(renditions.thumbnail).size == (107, 320)

    def test_transparency_becomes_white(self):
        facts, renditions = run(make_png(400, 300, mode="RGBA"))
        display = decoded(renditions.display)
        assert facts.format == "PNG"
        assert display.mode == "RGB"
        assert min(display.getpixel((20, 150))) > 245  # the transparent left half
        assert difference(display.crop((250, 0, 400, 300)), picture(400, 300).crop((250, 0, 400, 300))) < 5

    @pytest.mark.parametrize("mode", ["L", "P", "I;16"])
    def test_other_png_modes(self, mode):
        _, renditions = run(make_png(300, 200, mode=mode))
        display = decoded(renditions.display)
        assert display.mode in ("L", "RGB")
        assert difference(display, picture(300, 200)) < 12  # a palette costs some accuracy

    def test_webp_is_accepted(self):
        facts, renditions = run(make_image("WEBP", 320, 240, quality=90))
        assert (facts.format, facts.width, facts.height) == ("WEBP", 320, 240)
        assert decoded(renditions.thumbnail).size == (320, 240)

    def test_renditions_carry_no_exif(self):
        _, renditions = run(make_jpeg(taken_at=TAKEN, gps=(48.85, 2.35), orientation=6, camera=("A", "B")))
        for data in (renditions.thumbnail, renditions.display):
            decoded(data)  # asserts the absence of EXIF

    def test_renditions_are_not_in_the_repr(self):
        _, renditions = run(make_jpeg())
        assert len(repr(renditions)) < 100


class TestRefusals:
    @pytest.mark.parametrize("bad", bad_files(), ids=lambda bad: bad.name)
    def test_bad_file_is_refused_with_its_code(self, bad):
        with pytest.raises(ImageRejected) as refused:
            run(bad.data, limits=bad.limits)
        assert refused.value.code == bad.code
        assert refused.value.message.endswith(".")
        assert str(refused.value) == refused.value.message

    def test_bomb_message_names_the_size_and_the_limit(self):
        bomb = next(bad for bad in bad_files() if bad.name == "bomb_header_only")
        with pytest.raises(ImageRejected, match=r"5,000 × 5,000 pixels; the limit is 20 megapixels"):
            run(bomb.data, limits=bomb.limits)

    def test_format_can_be_restricted(self):
        with pytest.raises(ImageRejected) as refused:
            run(make_png(), limits=Limits(formats=frozenset({"JPEG"})))
        assert refused.value.code == "unsupported_format"

    def test_unknown_code_is_a_programming_error(self):
        with pytest.raises(ValueError):
            ImageRejected("nope", "Nope.")


class TestPerceptualHash:
    def test_same_picture_at_two_qualities_is_a_near_duplicate(self):
        for seed in range(4):
            high, _ = run(make_jpeg(seed=seed, quality=95))
            low, _ = run(make_jpeg(seed=seed, quality=40))
            assert hamming(high.phash, low.phash) <= NEAR_DUPLICATE_DISTANCE
            assert set(enumerate(bands(high.phash))) & set(enumerate(bands(low.phash)))

    def test_same_picture_at_another_size_is_a_near_duplicate(self):
        large, _ = run(make_jpeg(2400, 1800, seed=6, noise=8))
        small, _ = run(make_jpeg(600, 450, seed=6))
        assert hamming(large.phash, small.phash) <= NEAR_DUPLICATE_DISTANCE

    def test_different_pictures_are_far_apart(self):
        hashes = [run(make_jpeg(seed=seed))[0].phash for seed in range(6)]
        for i, a in enumerate(hashes):
            for b in hashes[i + 1 :]:
                assert hamming(a, b) > 10

    def test_phash_is_a_signed_int64_and_leaves_the_image_alone(self):
        image = picture(200, 150, seed=2)
        before = image.tobytes()
        value = phash(image)
        assert -(2**63) <= value < 2**63
        assert value == phash(image.convert("RGBA"))
        assert image.tobytes() == before


class TestBandsAndHamming:
    @given(INT64, st.sets(st.integers(0, 63), max_size=NEAR_DUPLICATE_DISTANCE))
    def test_within_the_distance_some_band_is_shared(self, a, flipped):
        b = to_signed(a ^ sum(1 << bit for bit in flipped))
        assert hamming(a, b) == len(flipped)
        assert any(x == y for x, y in zip(bands(a), bands(b), strict=True))

    @given(INT64, INT64)
    def test_hamming_is_a_metric_on_64_bits(self, a, b):
        assert hamming(a, a) == 0
        assert hamming(a, b) == hamming(b, a)
        assert 0 <= hamming(a, b) <= 64
        assert hamming(a, b) == hamming(to_unsigned(a), to_unsigned(b))

    @given(INT64)
    def test_bands_reassemble_the_hash(self, h):
        parts = bands(h)
        assert all(0 <= part < 2**16 for part in parts)
        assert to_signed(parts[0] << 48 | parts[1] << 32 | parts[2] << 16 | parts[3]) == h

    @given(st.integers(min_value=0, max_value=2**64 - 1))
    def test_signed_round_trip(self, u):
        assert to_unsigned(to_signed(u)) == u
        assert -(2**63) <= to_signed(u) < 2**63

"""The report's backend colours: readable on the white page and apart for colour-blind readers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from harness.report.charts import BACKEND_COLOURS, OTHER_COLOURS, backend_colour

# Machado, Oliveira and Fernandes (2009), severity 1.0, applied to linear RGB.
DEFICIENCIES = {
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_CONTRAST = 3.0  # WCAG 2.1's non-text contrast against the background
MIN_DELTA_E = 15.0  # CIE76 distance in Lab: well above "just noticeable" (about 2.3)


def linear_rgb(colour: str) -> np.ndarray:
    srgb = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def contrast_on_white(colour: str) -> float:
    luminance = float(np.dot([0.2126, 0.7152, 0.0722], linear_rgb(colour)))
    return 1.05 / (luminance + 0.05)


def lab(linear: np.ndarray) -> np.ndarray:
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = to_xyz @ np.clip(linear, 0, 1)
    ratios = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(ratios > 0.008856, np.cbrt(ratios), 7.787 * ratios + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("colour", [*BACKEND_COLOURS.values(), *OTHER_COLOURS])
def test_every_colour_stands_out_from_the_white_page(colour: str) -> None:
    assert contrast_on_white(colour) >= MIN_CONTRAST


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_backends_stay_apart_for_colour_blind_readers(deficiency: str) -> None:
    seen = {name: lab(DEFICIENCIES[deficiency] @ linear_rgb(colour)) for name, colour in BACKEND_COLOURS.items()}
    for first, second in itertools.combinations(seen, 2):
        distance = float(np.linalg.norm(seen[first] - seen[second]))
        assert distance >= MIN_DELTA_E, f"{first} and {second}: {distance:.1f} under {deficiency}"


def test_the_old_palette_would_have_failed() -> None:
    """The check can fail: the previous palette's python and numba merge under protanopia."""
    protanopia = DEFICIENCIES["protanopia"]
    distance = np.linalg.norm(lab(protanopia @ linear_rgb("#4c72b0")) - lab(protanopia @ linear_rgb("#8172b2")))
    assert distance < MIN_DELTA_E and contrast_on_white("#ccb974") < MIN_CONTRAST


def test_a_backend_has_one_colour_everywhere() -> None:
    assert backend_colour("numba") == BACKEND_COLOURS["numba"]
    assert backend_colour("fortran") == backend_colour("fortran") in OTHER_COLOURS

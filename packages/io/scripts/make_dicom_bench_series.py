#!/usr/bin/python3
"""Writes the series of the DICOM decode benchmark: a CT-like 512x512x300 series (int16 HU:
air, body, lungs, bone, with noise) as explicit VR little endian files (pydicom), and the same
files compressed to JPEG 2000 lossless by gdcmconv --j2k (Debian's gdcm).

    /usr/bin/python3 make_dicom_bench_series.py OUT_FOLDER [SLICES]
Writes OUT_FOLDER/raw/IM0000.dcm... and OUT_FOLDER/j2k/IM0000.dcm...; then run
    npx tsx packages/io/scripts/bench-dicom-decode.ts OUT_FOLDER
"""
import os
import subprocess
import sys

import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

out = sys.argv[1]
slices = int(sys.argv[2]) if len(sys.argv) > 2 else 300
n = 512
rng = np.random.default_rng(1)
y, x = np.mgrid[0:n, 0:n] / n - 0.5
series, study, frame = generate_uid(), generate_uid(), generate_uid()
for d in ('raw', 'j2k'):
    os.makedirs(os.path.join(out, d), exist_ok=True)
for k in range(slices):
    z = k / slices - 0.5
    hu = np.full((n, n), -1000.0)
    body = (x / 0.42) ** 2 + (y / 0.32) ** 2 < 1
    hu[body] = 40
    for cx in (-0.17, 0.17):
        lung = ((x - cx) / 0.13) ** 2 + (y / (0.22 - 0.1 * abs(z))) ** 2 < 1
        hu[lung] = -850
    hu[((x) / 0.04) ** 2 + ((y + 0.22) / 0.04) ** 2 < 1] = 700  # spine
    hu += rng.normal(0, 15, (n, n))
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b'\0' * 128)
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
    ds.Modality = 'CT'
    ds.Rows = ds.Columns = n
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope = 0, 1
    ds.ImagePositionPatient = [-250.0, -250.0, -300.0 + 1.0 * k]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.9765625, 0.9765625]
    ds.SliceThickness = 1.0
    ds.PixelData = np.clip(np.round(hu), -1024, 3071).astype(np.int16).tobytes()
    raw = os.path.join(out, 'raw', f'IM{k:04d}.dcm')
    ds.save_as(raw, write_like_original=False)
    subprocess.run(['gdcmconv', '--j2k', raw, os.path.join(out, 'j2k', f'IM{k:04d}.dcm')], check=True)

#!/usr/bin/python3
"""Reads a DICOM SEG with pydicom (the reference reader) and prints what the tests check, as
JSON: frames, rows, columns, the segment, each frame's ImagePositionPatient and referenced
source SOP instance, the study / frame of reference / referenced series UIDs, and the pixel
array (frames, rows, columns; 0/1) flattened with the column index fastest.

    /usr/bin/python3 check_seg.py seg.dcm
"""
import json
import sys

import pydicom

ds = pydicom.dcmread(sys.argv[1])
frames = []
for item in ds.PerFrameFunctionalGroupsSequence:
    src = item.DerivationImageSequence[0].SourceImageSequence[0]
    frames.append({
        'position': [float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient],
        'sourceSopInstanceUid': str(src.ReferencedSOPInstanceUID),
        'segment': int(item.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
    })
shared = ds.SharedFunctionalGroupsSequence[0]
print(json.dumps({
    'sopClassUid': str(ds.SOPClassUID),
    'modality': str(ds.Modality),
    'segmentationType': str(ds.SegmentationType),
    'numberOfFrames': int(ds.NumberOfFrames),
    'rows': int(ds.Rows),
    'columns': int(ds.Columns),
    'studyInstanceUid': str(ds.StudyInstanceUID),
    'frameOfReferenceUid': str(ds.FrameOfReferenceUID),
    'referencedSeriesUid': str(ds.ReferencedSeriesSequence[0].SeriesInstanceUID),
    'segmentLabel': str(ds.SegmentSequence[0].SegmentLabel),
    'orientation': [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient],
    'pixelSpacing': [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing],
    'patientId': str(ds.get('PatientID', '')),
    'frames': frames,
    'pixels': [int(v) for v in ds.pixel_array.reshape(-1)],
}))

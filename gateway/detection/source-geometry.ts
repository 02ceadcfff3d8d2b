// Boxes leave the detection room in pixels of the camera's picture (its main
// stream, as ingest probed it), with that size as `frameSize`: the frame the
// detector saw (the tap, a sub-stream) may be smaller, and whoever reads a box
// (the wall's overlay, an incident's evidence, its snapshot) should not need
// to know the tap's size. Box / frameSize is the same fraction of the picture
// that zones and masks are written in.
import { scaleBox, type Detection } from '../../detectors/index.ts';

export type Size = readonly [width: number, height: number];

/** The size boxes are given in: the source's when known, else the frame's own. */
export function pictureSize(frame: { width: number; height: number }, source: Size | undefined): [number, number] {
  return source && source[0] > 0 && source[1] > 0 ? [source[0], source[1]] : [frame.width, frame.height];
}

const tenth = (v: number) => Math.round(v * 10) / 10;

export function toPicture(detections: Detection[], frame: { width: number; height: number }, picture: Size): Detection[] {
  if (picture[0] === frame.width && picture[1] === frame.height) return detections;
  return detections.map((d) => ({ ...d, box: scaleBox(d.box, [frame.width, frame.height], picture).map(tenth) as Detection['box'] }));
}

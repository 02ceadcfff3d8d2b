// A manual snapshot of what a tile shows: the current video frame at the
// stream's own size (not the tile's), encoded as JPEG in the browser and
// downloaded with the camera's name and the time in its file name.

/** The frame on screen as a JPEG, or null before the first frame. */
export function grabFrame(video: HTMLVideoElement, quality = 0.9): Promise<Blob | null> {
  const { videoWidth: width, videoHeight: height } = video;
  if (!width || !height || video.readyState < 2) return Promise.resolve(null);
  const canvas = document.createElement('canvas');
  Object.assign(canvas, { width, height });
  canvas.getContext('2d')?.drawImage(video, 0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

/** `东门-20250101-083015.jpg`: the camera's name (what a file name may hold) and the local time. */
export function snapshotFileName(cameraName: string, at = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  const name = cameraName.replace(/[\\/:*?"<>|\s]+/g, '_').slice(0, 60) || 'camera';
  return `${name}-${stamp}.jpg`;
}

export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

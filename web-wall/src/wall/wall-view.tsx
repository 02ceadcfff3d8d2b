export function WallView() {
  return <section class="placeholder">wall</section>;
}

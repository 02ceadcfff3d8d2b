export function SensorsView() {
  return <section class="placeholder">sensors</section>;
}

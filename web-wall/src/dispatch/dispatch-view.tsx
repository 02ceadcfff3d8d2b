export function DispatchView() {
  return <section class="placeholder">dispatch</section>;
}

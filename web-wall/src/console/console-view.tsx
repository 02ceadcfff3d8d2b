export function ConsoleView() {
  return <section class="placeholder">console</section>;
}

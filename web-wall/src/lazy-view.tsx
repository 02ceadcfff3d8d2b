// A view whose module is loaded on first use (a dynamic import()), so the
// wall's first load does not carry what only that view needs: ECharts for the
// dashboard and the big screen, Leaflet for the map. The module is fetched once
// and kept; until it is here the view shows "loading", and a failed fetch (a
// gateway restarted with a new build) says so and offers to try again.
import { signal } from '@preact/signals';
import { t } from './i18n/index.ts';

type ViewComponent = () => preact.JSX.Element;

export function lazyView(load: () => Promise<ViewComponent>): ViewComponent {
  const loaded = signal<ViewComponent | null>(null);
  const failure = signal<string | null>(null);
  let pending: Promise<void> | null = null;
  const start = () => {
    pending ??= load().then(
      (view) => void (loaded.value = view),
      (err: Error) => {
        pending = null;
        failure.value = err.message;
      },
    );
  };
  return function LazyView() {
    const View = loaded.value;
    if (View) return <View />;
    if (failure.value) {
      return (
        <p class="error" role="alert" data-testid="view-load-failed">
          {t('common.error', { message: failure.value })} <button onClick={() => (failure.value = null)}>{t('wall.retry')}</button>
        </p>
      );
    }
    start();
    return <p data-testid="view-loading">{t('common.loading')}</p>;
  };
}

// What a stalled tile says over its frozen (or emptied) picture while its
// player is loaded again: "画面停滞" and for how long.
import { useEffect, useState } from 'preact/hooks';
import { addText, t } from '../i18n/index.ts';

addText({
  'zh-CN': { 'wall.stalled': '画面停滞', 'wall.stalledFor': '{s} 秒无新画面，正在重新连接…' },
  en: { 'wall.stalled': 'Stalled', 'wall.stalledFor': 'no new picture for {s} s, reconnecting…' },
});

export function StallMark({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.round((now - since) / 1000));
  return (
    <div class="tile-msg stalled" data-testid="stall-mark">
      <strong>{t('wall.stalled')}</strong>
      <span>{t('wall.stalledFor', { s: seconds })}</span>
    </div>
  );
}

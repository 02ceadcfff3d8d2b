// The header's user menu: the person's display name and role; opened, their
// user name, scope (as grid names) and the ways out: change password, sign
// out, sign out everywhere. An API key (a kiosk wall) can only sign out.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { me, signOut, signOutEverywhere } from '../session.ts';
import { gridByCode } from '../store/registry.ts';
import { PasswordForm } from './password-change.tsx';
import './text.ts';
import './signin.css';

const scopeText = (scope: string[] | null | undefined): string =>
  scope?.length ? t('menu.scope', { cells: scope.map((c) => gridByCode.value.get(c)?.name ?? c).join('、') }) : t('menu.scopeAll');

export function UserMenu() {
  const who = me.value;
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const [changed, setChanged] = useState(false);
  const [asking, setAsking] = useState(false);
  const box = useRef<HTMLSpanElement>(null);

  // A click elsewhere closes the menu.
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => { if (!box.current?.contains(e.target as Node)) setOpen(false); };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);
  useEffect(() => {
    if (!changed) return;
    const timer = setTimeout(() => setChanged(false), 6000);
    return () => clearTimeout(timer);
  }, [changed]);
  if (!who) return null;
  const person = who.user;

  return (
    <span class="user-menu" ref={box}>
      {changed && <span class="ok" role="status" data-testid="password-changed">{t('pw.changed')} </span>}
      <button type="button" aria-haspopup="menu" aria-expanded={open} aria-label={t('menu.open')} data-testid="user-menu" onClick={() => { setOpen(!open); setAsking(false); }}>
        <span class="who" data-testid="who">{who.displayName} · {t(`role.${who.role}`)}</span> ▾
      </button>
      {open && (
        <div class="menu" role="menu" data-testid="user-menu-items">
          <div class="who-detail">
            <strong>{who.displayName}</strong>
            {person ? `${person.username} · ${t(`role.${who.role}`)}${person.source === 'oidc' ? ` · ${t('menu.viaSso')}` : ''}` : `${t('menu.viaKey')} · ${t(`role.${who.role}`)}`}
            {person && <div data-testid="user-scope">{scopeText(person.scope)}</div>}
          </div>
          {person?.source === 'local' && (
            <button type="button" role="menuitem" data-testid="menu-change-password" onClick={() => { setOpen(false); setChanging(true); }}>{t('menu.changePassword')}</button>
          )}
          <button type="button" role="menuitem" data-testid="menu-sign-out" onClick={() => void signOut()}>{t('menu.signOut')}</button>
          {person && !asking && <button type="button" role="menuitem" data-testid="menu-sign-out-everywhere" onClick={() => setAsking(true)}>{t('menu.signOutEverywhere')}</button>}
          {person && asking && (
            <div class="ask" role="alertdialog">
              <p class="hint">{t('menu.signOutEverywhereAsk')}</p>
              <button type="button" class="danger" data-testid="menu-sign-out-everywhere-confirm" onClick={() => void signOutEverywhere()}>{t('menu.signOutEverywhere')}</button>
              <button type="button" onClick={() => setAsking(false)}>{t('common.cancel')}</button>
            </div>
          )}
        </div>
      )}
      {changing && (
        <div class="modal-backdrop">
          <div class="modal" role="dialog" aria-label={t('pw.title')}>
            <h2>{t('pw.title')}</h2>
            <PasswordForm onDone={() => { setChanging(false); setChanged(true); }} onCancel={() => setChanging(false)} />
          </div>
        </div>
      )}
    </span>
  );
}

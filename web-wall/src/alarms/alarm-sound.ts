// The audible alert: a two-tone chime when an alarm arrives, repeated while
// any alarm is unacknowledged and the operator is looking elsewhere (window
// unfocused or hidden). Switchable; the choice is kept on this workstation.
import { effect, signal } from '@preact/signals';
import { recordChime } from '../wall/wall-metrics.ts';
import { unacknowledged } from './alarm-state.ts';

const KEY = 'gw.alarmSound';
const REPEAT_MS = 4000;
export const soundOn = signal(localStorage.getItem(KEY) !== 'off');

let ctx: AudioContext | null = null;

export function setSound(on: boolean): void {
  soundOn.value = on;
  localStorage.setItem(KEY, on ? 'on' : 'off');
  if (on) unlockAudio();
}

/** Browsers start audio only after a user gesture: the login click, the switch, or (after a reload) the first click anywhere. */
export function unlockAudio(): void {
  ctx ??= new AudioContext();
  void ctx.resume();
}
document.addEventListener('pointerdown', unlockAudio, { once: true });

function chime(): void {
  if (!soundOn.value) return;
  ctx ??= new AudioContext();
  const start = ctx.currentTime;
  for (const [i, freq] of [880, 660, 880].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start + i * 0.22);
    gain.gain.exponentialRampToValueAtTime(0.25, start + i * 0.22 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.22 + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start + i * 0.22);
    osc.stop(start + i * 0.22 + 0.21);
  }
  recordChime();
}

const lookingElsewhere = () => document.hidden || !document.hasFocus();

export function startAlarmSound(): () => void {
  let known = new Set<string>();
  const stopArrivals = effect(() => {
    const now = unacknowledged.value;
    if ([...now].some((id) => !known.has(id))) chime();
    known = new Set(now);
  });
  const repeat = window.setInterval(() => {
    if (unacknowledged.value.size > 0 && lookingElsewhere()) chime();
  }, REPEAT_MS);
  return () => {
    stopArrivals();
    clearInterval(repeat);
  };
}

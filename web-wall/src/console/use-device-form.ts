// What the camera and the sensor form share: load the device (edit), POST or
// PATCH it with If-Match: <version>, and sort the gateway's answer onto the
// form. A 409 for a stale version reloads the device and says so; the lists
// are refreshed before the form closes so they show the change at once.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { t } from '../i18n/index.ts';
import { generalProblem, isStale, NO_PROBLEMS, problemsOf, sortProblems, type FieldProblem, type FormProblems, type Said } from './field-errors.ts';
import type { JsonObject } from './merge-patch.ts';

type Built = { body: JsonObject; problems?: undefined } | { body?: undefined; problems: FieldProblem[] };

export interface DeviceFormSpec<E extends { id: string; version: number }, D> {
  /** `/api/channels` or `/api/sensors`. */
  collection: string;
  id?: string;
  fields: readonly string[];
  draftOf: (entity?: E) => D;
  body: (draft: D) => Built;
  patch: (loaded: D, draft: D) => Built;
  /** After a write (and before closing): refresh the lists. */
  refresh: () => Promise<void>;
  /** After a create; true when it showed something itself rather than closing. */
  created: (entity: E, draft: D) => boolean;
  close: (message: string) => void;
}

export function useDeviceForm<E extends { id: string; version: number }, D>(spec: DeviceFormSpec<E, D>) {
  const { collection, id, fields } = spec;
  const path = id ? `${collection}/${encodeURIComponent(id)}` : collection;
  const [loaded, setLoaded] = useState<{ entity: E; draft: D } | null>(null);
  const [draft, setDraft] = useState<D>(() => spec.draftOf());
  const [problems, setProblems] = useState<FormProblems>(NO_PROBLEMS);
  const [busy, setBusy] = useState(false);
  const say = (message: Said) => setProblems(generalProblem(message));

  const load = async (why?: Said) => {
    if (!id) return;
    try {
      const entity = await api<E>(path);
      const fresh = spec.draftOf(entity);
      setLoaded({ entity, draft: fresh });
      setDraft(fresh);
      setProblems(why ? generalProblem(why) : NO_PROBLEMS);
    } catch (err) {
      setProblems(problemsOf(err, fields));
    }
  };
  useEffect(() => void load(), [id]);

  const failed = (err: unknown) => (isStale(err) ? load(() => t('console.form.stale')) : setProblems(problemsOf(err, fields)));

  const save = async (e: Event) => {
    e.preventDefault();
    if (id && !loaded) return;
    const built = loaded ? spec.patch(loaded.draft, draft) : spec.body(draft);
    if (built.problems) return setProblems(sortProblems(built.problems, fields, () => t('console.form.invalid')));
    if (loaded && !Object.keys(built.body).length) return say(() => t('console.form.unchanged'));
    setBusy(true);
    setProblems(NO_PROBLEMS);
    try {
      if (!loaded) {
        const entity = await api<E>(collection, { method: 'POST', body: built.body });
        await spec.refresh();
        if (!spec.created(entity, draft)) spec.close(t('console.form.created', { id: entity.id }));
      } else {
        await api<E>(path, { method: 'PATCH', body: built.body, headers: { 'if-match': String(loaded.entity.version) } });
        await spec.refresh();
        spec.close(t('console.form.saved', { id: loaded.entity.id }));
      }
    } catch (err) {
      await failed(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = () => api(path, { method: 'DELETE', headers: loaded ? { 'if-match': String(loaded.entity.version) } : {} });
  const removed = async () => {
    await spec.refresh();
    spec.close(t('console.form.deleted', { id: id ?? '' }));
  };

  return { loaded, draft, setDraft, problems, busy, save, remove, removed, failed: (err: unknown) => void failed(err) };
}

// Where a device is: its grid cell (网格), latitude and longitude, and tags —
// the same inputs on the camera and the sensor form.
import { t } from '../i18n/index.ts';
import { gridOptions, type PlaceDraft } from './draft-parts.ts';
import type { FormProblems } from './field-errors.ts';
import { SelectField, TextField } from './form-fields.tsx';
import './extra-text.ts';

interface Props {
  draft: PlaceDraft;
  set: (patch: Partial<PlaceDraft>) => void;
  problems: FormProblems;
}

export function PlaceFields({ draft, set, problems }: Props) {
  return (
    <>
      <SelectField problems={problems} label={t('console.col.grid')} name="gridCode" value={draft.gridCode} onChange={(gridCode) => set({ gridCode })} options={gridOptions()} />
      <TextField problems={problems} label={t('console.form.lat')} name="location.lat" value={draft.lat} onChange={(lat) => set({ lat })}
        placeholder={t('console.form.coordUnset')} hint={t('console.form.latHint')} />
      <TextField problems={problems} label={t('console.form.lng')} name="location.lng" value={draft.lng} onChange={(lng) => set({ lng })}
        placeholder={t('console.form.coordUnset')} hint={t('console.form.lngHint')} />
      <TextField problems={problems} label={t('console.form.tags')} name="tags" value={draft.tags} onChange={(tags) => set({ tags })} hint={t('console.form.tagsSeparators')} />
    </>
  );
}

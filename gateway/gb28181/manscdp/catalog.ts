// Catalog answers and notifications. A device answers a Catalog query with
// one or more MESSAGEs, each `<SumNum>` (the total) and `<DeviceList Num=k>`
// (this message's share); the caller assembles until it holds SumNum items.
// One broken item must not lose the others, so bad items are counted, not thrown.
import type { CatalogItem, CatalogResponse, ManscdpMessage } from './types.ts';
import { expectType } from './parse.ts';
import { coordinates, compact, isValidId, lenientInt, upper } from './values.ts';
import { attribute, childElement, childList, childText } from './xml.ts';
import type { XmlElement } from './xml.ts';

/** Reads a catalog Response, or a catalog Notify (subscription: items carry an Event). */
export function decodeCatalog(msg: ManscdpMessage): CatalogResponse {
  expectType(msg, 'Catalog', ['Response', 'Notify']);
  const list = childElement(msg.fields, 'DeviceList');
  const items: CatalogItem[] = [];
  let skippedItems = 0;
  for (const node of list ? childList(list, 'Item') : []) {
    const item = typeof node === 'string' ? undefined : decodeCatalogItem(node);
    if (item) items.push(item);
    else skippedItems++;
  }
  // A device that leaves out SumNum is answering in one message.
  const sumNum = lenientInt(msg.fields, 'SumNum', 0, 1_000_000) ?? items.length + skippedItems;
  const listNumText = list ? attribute(list, 'Num') : undefined;
  const listNum = listNumText !== undefined && /^\d{1,7}$/.test(listNumText) ? Number(listNumText) : undefined;
  return compact({ deviceId: msg.deviceId, sumNum, listNum, items, skippedItems });
}

/** One `<Item>`; undefined when it has no usable DeviceID. */
export function decodeCatalogItem(el: XmlElement): CatalogItem | undefined {
  const deviceId = childText(el, 'DeviceID');
  if (deviceId === undefined || !isValidId(deviceId)) return undefined;
  const parental = childText(el, 'Parental');
  return compact<CatalogItem>({
    deviceId,
    name: childText(el, 'Name'),
    manufacturer: childText(el, 'Manufacturer'),
    model: childText(el, 'Model'),
    owner: childText(el, 'Owner'),
    civilCode: childText(el, 'CivilCode'),
    address: childText(el, 'Address'),
    parental: parental === '1' || parental?.toLowerCase() === 'true' ? true : parental === '0' || parental?.toLowerCase() === 'false' ? false : undefined,
    parentId: childText(el, 'ParentID'),
    status: itemStatus(childText(el, 'Status')),
    ...coordinates(el),
    event: upper(childText(el, 'Event')),
  });
}

function itemStatus(v: string | undefined): 'ON' | 'OFF' | undefined {
  switch (v?.toUpperCase()) {
    case 'ON':
    case 'ONLINE':
      return 'ON';
    case 'OFF':
    case 'OFFLINE':
      return 'OFF';
    default:
      return undefined;
  }
}

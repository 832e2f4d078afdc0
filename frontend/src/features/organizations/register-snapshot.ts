/**
 * The register snapshot of an activation request, as the operator compares it. The server
 * keeps what the business register said when the organization was added; this accepts both
 * the KvK Basisprofiel shape (`naam`, `handelsnamen`, `_embedded.hoofdvestiging.adressen`) and
 * Haven's own company record (`statutory_name`, `trade_names`, `address`).
 */
export interface RegisterView {
  kvkNumber: string | null;
  name: string | null;
  tradeNames: string[];
  legalForm: string | null;
  address: string | null;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value : typeof value === 'number' ? String(value) : null;

function kvkAddress(adressen: unknown): string | null {
  if (!Array.isArray(adressen)) return null;
  const all = adressen.filter(isObject);
  const chosen = all.find((a) => a.type === 'bezoekadres') ?? all[0];
  if (chosen === undefined) return null;
  const full = str(chosen.volledigAdres);
  const line1 = [str(chosen.straatnaam), str(chosen.huisnummer), str(chosen.huisletter), str(chosen.huisnummerToevoeging)]
    .filter((p) => p !== null)
    .join(' ');
  const line2 = [str(chosen.postcode), str(chosen.plaats)].filter((p) => p !== null).join(' ');
  const joined = [line1, line2].filter((l) => l !== '').join(', ');
  return joined === '' ? full : joined;
}

export function parseRegisterSnapshot(register: unknown): RegisterView | null {
  if (!isObject(register)) return null;
  if ('naam' in register || '_embedded' in register || 'kvkNummer' in register) {
    const embedded = isObject(register._embedded) ? register._embedded : {};
    const main = isObject(embedded.hoofdvestiging) ? embedded.hoofdvestiging : {};
    const owner = isObject(embedded.eigenaar) ? embedded.eigenaar : {};
    const tradeNames = Array.isArray(register.handelsnamen)
      ? register.handelsnamen.map((h) => (isObject(h) ? str(h.naam) : str(h))).filter((n): n is string => n !== null)
      : [];
    return {
      kvkNumber: str(register.kvkNummer),
      name: str(register.statutaireNaam) ?? str(register.naam),
      tradeNames,
      legalForm: str(owner.uitgebreideRechtsvorm) ?? str(owner.rechtsvorm),
      address: kvkAddress(main.adressen),
    };
  }
  const pick = (...keys: string[]) => keys.map((k) => str(register[k])).find((v) => v !== null) ?? null;
  const address = isObject(register.address) ? register.address : null;
  const addressText =
    address === null
      ? null
      : [
          [str(address.street), str(address.house_number) ?? str(address.houseNumber)].filter((p) => p !== null).join(' '),
          [str(address.postal_code) ?? str(address.postalCode), str(address.city)].filter((p) => p !== null).join(' '),
        ]
          .filter((l) => l !== '')
          .join(', ');
  const rawTrade = register.trade_names ?? register.tradeNames;
  return {
    kvkNumber: pick('kvk_number', 'kvkNumber'),
    name: pick('statutory_name', 'statutoryName', 'name'),
    tradeNames: Array.isArray(rawTrade) ? rawTrade.map(str).filter((n): n is string => n !== null) : [],
    legalForm: pick('legal_form', 'legalForm'),
    address: addressText === '' ? null : addressText,
  };
}

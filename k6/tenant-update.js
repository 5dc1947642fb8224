import { pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';
import { changeAtLatest, ensureTenant } from './lib/tenant.js';

export const options = loadOptions();

export const setup = () => ({ tenant: ensureTenant() });

const ZONES = ['Europe/London', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];
const CURRENCIES = ['GBP', 'EUR', 'USD', 'JPY'];

// Admins edit the tenant's profile (name now and then, settings each time) at the version they
// read; the VUs share one tenant, so some edits meet another's first and read again.
export default () => {
  const i = (__VU * 7 + __ITER) % ZONES.length;
  const body = {
    ...(__ITER % 3 === 0 ? { name: `Load tenant renamed ${__VU}.${__ITER}` } : {}),
    settings: { timezone: ZONES[i], defaultCurrency: CURRENCIES[i], supportEmail: `help-${__VU}@load.example.com` },
  };
  changeAtLatest('PATCH', 'tenant-update', body, {
    'settings applied': (r) => r.json('settings.timezone') === ZONES[i] && r.json('settings.defaultCurrency') === CURRENCIES[i],
    ...(body.name ? { renamed: (r) => r.json('name') === body.name } : {}),
  });
  pause();
};

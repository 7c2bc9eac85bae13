import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Browser, BrowserContext, CDPSession, chromium, Page } from 'playwright-core';

/**
 * WebAuthn ceremonies in the machine's real Chromium, against a CDP virtual authenticator.
 *
 * No server listens on the page's origin: `context.route` fulfils the page and the
 * `@simplewebauthn/browser` bundle, so the page is an https secure context whose origin (the one the
 * browser writes into clientDataJSON and checks the RP ID against) is exactly the origin asked for.
 * Tests make the HTTP calls to the app from Node and hand the options JSON to the page.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const LAUNCH_TIMEOUT_MS = 30_000;
const STEP_TIMEOUT_MS = 10_000;
/** Longer than a step: a ceremony the browser refuses settles at once, one it cannot complete waits for its own timeout. */
const DEFAULT_CEREMONY_TIMEOUT_MS = 15_000;
const PAGE_PATH = '/passkey-test';
const BUNDLE_PATH = '/simplewebauthn-browser.js';

// The package's `exports` hide `dist/`; its CommonJS entry sits beside it.
const BUNDLE = join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js');

/**
 * The page runs the ceremony and always resolves: an error becomes data here, so Node sees the
 * DOMException's name and message rather than Playwright's wrapping of a thrown value.
 */
const PAGE_HTML = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>passkey test</title>
<script src="${BUNDLE_PATH}"></script>
<script>
window.passkeyTest = async (kind, optionsJSON) => {
  try {
    const ceremony = kind === 'register' ? SimpleWebAuthnBrowser.startRegistration : SimpleWebAuthnBrowser.startAuthentication;
    return { ok: true, value: await ceremony({ optionsJSON }) };
  } catch (error) {
    const cause = error && error.cause ? { name: String(error.cause.name), message: String(error.cause.message) } : undefined;
    return { ok: false, name: String(error && error.name), message: String(error && error.message), code: error && error.code, cause };
  }
};
</script>
</head>
<body>passkey test</body>
</html>`;

/**
 * A credential as the virtual authenticator holds it (CDP `WebAuthn.Credential`). `credentialId`,
 * `privateKey` and `userHandle` are standard base64 (with `+/=`), not the base64url of the WebAuthn JSON.
 */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  /** PKCS#8; Ed25519 when the options list -8 first, as SimpleWebAuthn's defaults do. */
  privateKey: string;
  userHandle?: string;
  signCount: number;
  largeBlob?: string;
  backupEligibility?: boolean;
  backupState?: boolean;
  userName?: string;
  userDisplayName?: string;
}

export interface CeremonyOptions {
  /** How long Node waits for the page before rejecting; the page's own WebAuthn timeout is in the options JSON. */
  timeoutMs?: number;
}

type PageOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; name: string; message: string; code?: string; cause?: { name: string; message: string } };

/** Rejects after `ms` with `what` in the message; the timer never outlives the race. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  // A page closed after the timeout rejects the abandoned evaluation; nobody is listening by then.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class PasskeyPage {
  private closing?: Promise<void>;

  constructor(
    readonly origin: string,
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly cdp: CDPSession,
    readonly authenticatorId: string,
  ) {}

  /** `navigator.credentials.create` through `startRegistration`; rejects with the browser's error name and message. */
  register(
    optionsJSON: PublicKeyCredentialCreationOptionsJSON,
    options: CeremonyOptions = {},
  ): Promise<RegistrationResponseJSON> {
    return this.ceremony<RegistrationResponseJSON>('register', optionsJSON, options);
  }

  /** `navigator.credentials.get` through `startAuthentication`; rejects with the browser's error name and message. */
  authenticate(
    optionsJSON: PublicKeyCredentialRequestOptionsJSON,
    options: CeremonyOptions = {},
  ): Promise<AuthenticationResponseJSON> {
    return this.ceremony<AuthenticationResponseJSON>('authenticate', optionsJSON, options);
  }

  /**
   * Whether the user passes verification from now on. Unverified, a ceremony asking for UV (`preferred`
   * or `required`) rejects with NotAllowedError; `discouraged` succeeds with the UV flag clear.
   */
  async setUserVerified(verified: boolean): Promise<void> {
    await this.send('WebAuthn.setUserVerified', { authenticatorId: this.authenticatorId, isUserVerified: verified });
  }

  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId });
    return credentials;
  }

  /**
   * Puts `credential` back in place of the one with its ID, exactly as given: with an older
   * `signCount` it plays a cloned authenticator. The next assertion reports `signCount + 1`.
   */
  async replaceCredential(credential: VirtualCredential): Promise<void> {
    await this.send('WebAuthn.removeCredential', {
      authenticatorId: this.authenticatorId,
      credentialId: credential.credentialId,
    });
    await this.send('WebAuthn.addCredential', { authenticatorId: this.authenticatorId, credential });
  }

  /** Puts `credential` on this page's authenticator, e.g. one read from another page's with `credentials()`. */
  async addCredential(credential: VirtualCredential): Promise<void> {
    await this.send('WebAuthn.addCredential', { authenticatorId: this.authenticatorId, credential });
  }

  async clearCredentials(): Promise<void> {
    await this.send('WebAuthn.clearCredentials', { authenticatorId: this.authenticatorId });
  }

  /** Closes this page's browser context; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= within(this.context.close(), STEP_TIMEOUT_MS, `closing the page on ${this.origin}`).catch(
      () => undefined,
    );
    return this.closing;
  }

  private async ceremony<T>(
    kind: 'register' | 'authenticate',
    optionsJSON: PublicKeyCredentialCreationOptionsJSON | PublicKeyCredentialRequestOptionsJSON,
    { timeoutMs = DEFAULT_CEREMONY_TIMEOUT_MS }: CeremonyOptions,
  ): Promise<T> {
    // A string expression, not a function: coverage instrumentation would break a serialised function.
    const expression = `window.passkeyTest(${JSON.stringify(kind)}, ${JSON.stringify(optionsJSON)})`;
    const what = `passkey ${kind} on ${this.origin}`;
    const outcome = await within(this.page.evaluate<PageOutcome<T>>(expression), timeoutMs, what);
    if (outcome.ok) return outcome.value;
    const cause = outcome.cause ? ` (cause ${outcome.cause.name}: ${outcome.cause.message})` : '';
    const code = outcome.code ? ` [${outcome.code}]` : '';
    throw Object.assign(new Error(`${what} failed: ${outcome.name}: ${outcome.message}${code}${cause}`), {
      domName: outcome.cause?.name ?? outcome.name,
      code: outcome.code,
    });
  }

  private send: CDPSession['send'] = (method, params) => this.cdp.send(method, params, { timeout: STEP_TIMEOUT_MS });
}

export class PasskeyBrowser {
  private readonly pages = new Set<PasskeyPage>();
  private closing?: Promise<void>;

  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<PasskeyBrowser> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: LAUNCH_TIMEOUT_MS,
    });
    return new PasskeyBrowser(browser);
  }

  /**
   * A fresh context and page at `${origin}/passkey-test`, with its own virtual authenticator (CTAP2,
   * internal, resident keys, user verification on, presence simulated). Nothing leaves the browser:
   * every request other than the page and the bundle is aborted.
   */
  async openPage(origin: string): Promise<PasskeyPage> {
    if (this.closing) throw new Error('the passkey browser is closed');
    const base = new URL(origin).origin;
    const context = await this.browser.newContext();
    try {
      context.setDefaultTimeout(STEP_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
      // Routes added later win: abort everything, then serve the two files on the origin.
      await context.route('**/*', (route) => route.abort('blockedbyclient'));
      const bundle = readFileSync(BUNDLE, 'utf8');
      await context.route(`${base}/**`, (route) => {
        const { pathname } = new URL(route.request().url());
        if (pathname === PAGE_PATH) return route.fulfill({ status: 200, contentType: 'text/html', body: PAGE_HTML });
        if (pathname === BUNDLE_PATH)
          return route.fulfill({ status: 200, contentType: 'text/javascript', body: bundle });
        return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
      });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false }, { timeout: STEP_TIMEOUT_MS });
      const { authenticatorId } = await cdp.send(
        'WebAuthn.addVirtualAuthenticator',
        {
          options: {
            protocol: 'ctap2',
            transport: 'internal',
            hasResidentKey: true,
            hasUserVerification: true,
            isUserVerified: true,
            automaticPresenceSimulation: true,
          },
        },
        { timeout: STEP_TIMEOUT_MS },
      );
      await page.goto(`${base}${PAGE_PATH}`, { waitUntil: 'load' });
      await page.waitForFunction('typeof window.passkeyTest === "function" && !!window.SimpleWebAuthnBrowser');
      const passkeyPage = new PasskeyPage(base, page, context, cdp, authenticatorId);
      this.pages.add(passkeyPage);
      return passkeyPage;
    } catch (error) {
      await within(context.close(), STEP_TIMEOUT_MS, 'closing a page that failed to open').catch(() => undefined);
      throw error;
    }
  }

  /** Closes every page and the browser; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.pages].map((page) => page.close()));
      await within(this.browser.close(), STEP_TIMEOUT_MS, 'closing the passkey browser').catch(() => undefined);
    })();
    return this.closing;
  }
}

/** Launches `/usr/bin/chromium` headless; pair with `close()` in `afterAll`. */
export function launchPasskeyBrowser(): Promise<PasskeyBrowser> {
  return PasskeyBrowser.launch();
}

/**
 * A spec's browser and its tabs, as jest hooks: the browser launches in `beforeAll` beside `boot` (kept
 * apart, so `afterAll` closes it even when the app fails to boot), every tab the returned function opens
 * (with its own virtual authenticator, on `origin` unless told otherwise) is closed after its test, and
 * `teardown` runs after the browser is closed.
 */
export function useBrowserTabs(options: {
  origin: string;
  boot: () => Promise<void>;
  teardown: () => Promise<void>;
}): (origin?: string) => Promise<PasskeyPage> {
  let launching: Promise<PasskeyBrowser> | undefined;
  let browser: PasskeyBrowser;
  let pages: PasskeyPage[] = [];

  beforeAll(async () => {
    launching = launchPasskeyBrowser();
    await options.boot();
    browser = await launching;
  });

  afterEach(async () => {
    await Promise.all(pages.map((page) => page.close()));
    pages = [];
  });

  afterAll(async () => {
    await (await launching?.catch(() => undefined))?.close();
    await options.teardown();
  });

  return async (origin = options.origin) => {
    const page = await browser.openPage(origin);
    pages.push(page);
    return page;
  };
}

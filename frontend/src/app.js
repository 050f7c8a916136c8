// The example frontend: reads the deployment settings that env.js puts on
// window.env and shows them. Values from env.js only ever reach the page as
// text nodes or as attributes of URLs we built and checked ourselves.
//
// The same file loads in node (tests call the pure functions through
// module.exports) and in the browser (it renders the page).
(function () {
  'use strict';

  // The keys the deployment writes into env.js, in the order it writes them,
  // with the label each one gets on the page.
  var SETTINGS = [
    ['APPLICATION_NAME', 'Application name'],
    ['LAMBDA_ENDPOINT', 'API endpoint'],
    ['OIDC_URL', 'Identity provider'],
    ['OIDC_CLIENT_NAME', 'Client id'],
    ['OIDC_REDIRECT_URI', 'Redirect URI'],
    ['AWS_REGION', 'Region'],
    ['DATASET_BUCKET', 'Dataset bucket'],
    ['MANAGE_IAM_ROLES', 'Manage IAM roles'],
    ['ENABLE_TRANSLATE', 'Translate enabled'],
    ['SHOW_MIGRATION_OPTIONS', 'Show migration options'],
    ['BACKGROUND_REFRESH_INTERVAL', 'Background refresh interval (s)']
  ];

  var NOT_CONFIGURED = 'not configured';
  var DEFAULT_APPLICATION_NAME = 'MLSpace';

  // A setting as display text, or null when it is missing or empty.
  function settingText(env, key) {
    var value = env ? env[key] : undefined;
    if (value === undefined || value === null) {
      return null;
    }
    if (typeof value === 'string') {
      return value.trim() === '' ? null : value;
    }
    if (typeof value === 'boolean' || typeof value === 'number') {
      return String(value);
    }
    return JSON.stringify(value);
  }

  // The value (trimmed, otherwise as written: redirect URIs are compared as
  // strings by identity providers) when it is an absolute http(s) URL, else
  // null. Anything else (javascript:, data:, relative paths) is refused so it
  // never becomes a link.
  function httpUrl(value) {
    if (typeof value !== 'string' || value.trim() === '') {
      return null;
    }
    var text = value.trim();
    var parsed;
    try {
      parsed = new URL(text);
    } catch (e) {
      return null;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      return null;
    }
    return text;
  }

  function authorizationQuery(clientId, redirectUri) {
    return 'client_id=' + encodeURIComponent(clientId) +
      '&redirect_uri=' + encodeURIComponent(redirectUri) +
      '&response_type=code&scope=openid';
  }

  // The sign-in link: an OpenID Connect authorization-code request against
  // "<OIDC_URL>/authorize". Returns {href} or {problem} naming what is missing.
  // The redirect URI falls back to the API endpoint, as the deployment does.
  function signInLink(env) {
    var base = httpUrl(env && env.OIDC_URL);
    if (!base) {
      return { problem: settingText(env, 'OIDC_URL') === null
        ? 'OIDC_URL is not configured'
        : 'OIDC_URL is not an http(s) URL' };
    }
    var clientId = settingText(env, 'OIDC_CLIENT_NAME');
    if (clientId === null) {
      return { problem: 'OIDC_CLIENT_NAME is not configured' };
    }
    var redirectUri = httpUrl(env.OIDC_REDIRECT_URI) || httpUrl(env.LAMBDA_ENDPOINT);
    if (!redirectUri) {
      return { problem: 'neither OIDC_REDIRECT_URI nor LAMBDA_ENDPOINT is an http(s) URL' };
    }
    return {
      href: base.replace(/\/+$/, '') + '/authorize?' + authorizationQuery(clientId, redirectUri),
      base: base.replace(/\/+$/, ''),
      clientId: clientId,
      redirectUri: redirectUri
    };
  }

  // Identity providers that do not serve "/authorize" (Keycloak, for one)
  // publish their endpoint in the discovery document. Asked only when the
  // user clicks, so loading the page never talks to the identity provider.
  function discoveredSignInHref(link, fetchImpl) {
    var url = link.base + '/.well-known/openid-configuration';
    return fetchImpl(url, { credentials: 'omit' })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (config) {
        var endpoint = httpUrl(config && config.authorization_endpoint);
        if (!endpoint) {
          return null;
        }
        var separator = endpoint.indexOf('?') === -1 ? '?' : '&';
        return endpoint + separator + authorizationQuery(link.clientId, link.redirectUri);
      })
      .catch(function () {
        return null;
      });
  }

  // ---- browser side ----

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // Puts a setting's text into node, or a "not configured" note in the
  // 'missing' style when there is none.
  function showValue(node, text, missingText) {
    node.textContent = text === null ? (missingText || NOT_CONFIGURED) : text;
    if (text === null) {
      node.classList.add('missing');
    } else {
      node.classList.remove('missing');
      if (node.classList.length === 0) {
        node.removeAttribute('class');
      }
    }
  }

  function renderSignIn(env, slot) {
    var link = signInLink(env);
    slot.textContent = '';
    if (!link.href) {
      var missing = element('span', 'missing', 'Sign-in is ' + NOT_CONFIGURED);
      missing.id = 'sign-in-missing';
      slot.appendChild(missing);
      slot.appendChild(element('span', 'hint', ' (' + link.problem + ').'));
      return;
    }
    var anchor = element('a', 'button', 'Sign in');
    anchor.id = 'sign-in-link';
    anchor.href = link.href;
    anchor.rel = 'noreferrer';
    anchor.addEventListener('click', function (event) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey ||
          typeof window.fetch !== 'function') {
        return;
      }
      event.preventDefault();
      anchor.classList.add('busy');
      discoveredSignInHref(link, window.fetch.bind(window)).then(function (href) {
        window.location.assign(href || link.href);
      });
    });
    slot.appendChild(anchor);
    slot.appendChild(element('span', 'hint', ' at ' + link.base));
  }

  function renderSettings(env, list) {
    list.textContent = '';
    SETTINGS.forEach(function (entry) {
      var value = element('dd');
      value.id = 'setting-' + entry[0];
      showValue(value, settingText(env, entry[0]));
      var term = element('dt', null, entry[1]);
      term.title = entry[0];
      list.appendChild(term);
      list.appendChild(value);
    });
  }

  function renderReturnFromSignIn(slot) {
    var params = new URLSearchParams(window.location.search);
    if (params.has('error')) {
      slot.textContent = 'The identity provider refused the sign-in: ' + params.get('error');
      slot.hidden = false;
    } else if (params.has('code')) {
      slot.textContent = 'The identity provider accepted the sign-in and returned an ' +
        'authorization code. This example page stops there; exchanging the code is ' +
        'the job of the full MLSpace frontend.';
      slot.hidden = false;
    }
  }

  function render() {
    var env = window.env && typeof window.env === 'object' ? window.env : null;
    var name = settingText(env, 'APPLICATION_NAME');
    document.title = name === null ? DEFAULT_APPLICATION_NAME : name;
    showValue(document.getElementById('app-name'), name, 'Application name ' + NOT_CONFIGURED);
    showValue(document.getElementById('api-endpoint'), settingText(env, 'LAMBDA_ENDPOINT'));
    renderSignIn(env, document.getElementById('sign-in'));
    renderSettings(env, document.getElementById('settings'));
    document.getElementById('env-missing').hidden = env !== null;
    renderReturnFromSignIn(document.getElementById('sign-in-result'));
    document.body.setAttribute('data-rendered', 'true');
  }

  var api = {
    SETTINGS: SETTINGS,
    settingText: settingText,
    httpUrl: httpUrl,
    signInLink: signInLink,
    discoveredSignInHref: discoveredSignInHref
  };

  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else if (typeof document !== 'undefined') {
    render();
  }
})();

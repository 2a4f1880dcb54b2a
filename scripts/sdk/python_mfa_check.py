#!/usr/bin/env python3
"""End-to-end check of a clusteriam server's multi-factor authentication (MFA)
through the vendor's Python SDK.

Uses only the public API of the published Cohesity Python SDK (cohesity_sdk,
not part of this repository: put a checkout on PYTHONPATH, or name it with
--sdk or COHESITY_SDK_PATH), the way a real client does: ClusterClient(...)
and its mfa_api / user_api / access_token_api objects, MFAApi and UserApi
over an ApiClient, the SDK's models (MfaConfigInfo, CreateTotpKeyRequestBody,
CreateUserSessionRequestParams, CreateAccessTokenRequestParams) and its
ApiException. The Runner (wire checks, one line per step) is the one of
python_sdk_check.py, next to this file.

The TOTP codes are computed here (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
steps) with the standard library only, as an authenticator app does.

Flow: as the cluster's admin (its access token is made BEFORE MFA is on:
once MFA is on, no access token is issued, but the ones already issued
keep working), turn MFA on (update_mfa_config, retainUserMfaSettings=True);
create a viewer with a password; its log-in without a code
(create_session) opens an ENROLMENT session, good only for POST
/v2/totp-key, GET /v2/mfa-config and logging out: get_user_by_sid with it
is refused (401); with it create_totp_key gives the TOTP secret and URI;
a log-in with the code of the current step (otp_type "totp") opens a full
session; refused: the same code again (401, replay), no code (401
MfaRequired), create_access_token (403 MfaRequired, for the viewer and for
the admin), otp_type "salesforce" (400); the next step's code, without
otp_type, logs in again (the enrolled factor is assumed); finally MFA off,
a plain log-in works, the viewer is deleted. Every run uses fresh names and
leaves MFA off, so it can be re-run on one server.

Usage:
    python3 scripts/sdk/python_mfa_check.py --sdk /path/to/cohesity_sdk \
        [--host 127.0.0.1:8443] [--username admin] [--password ...]
    (or PYTHONPATH=/path/to/cohesity_sdk python3 scripts/sdk/python_mfa_check.py ...)

Defaults: --host from CLUSTERIAM_URL (scheme and /v2 stripped) or
127.0.0.1:8443; --password from CLUSTERIAM_ADMIN_PASSWORD; --sdk from
COHESITY_SDK_PATH. Prints one line per step and a final "N passed, M failed"
line; exits 1 on any failure. It waits for one TOTP step change (at most
30 s): a code whose step was already used by the user is refused.
"""

import base64
import hashlib
import hmac
import os
import struct
import sys
import time
import urllib.parse
import uuid


def _sdk_path():
    """--sdk PATH / --sdk=PATH, else $COHESITY_SDK_PATH: read before the SDK is imported."""
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--sdk" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--sdk="):
            return a.split("=", 1)[1]
    return os.environ.get("COHESITY_SDK_PATH")


if _sdk_path():
    sys.path.insert(0, os.path.abspath(_sdk_path()))

from pydantic import ValidationError  # noqa: E402

from cohesity_sdk.cluster.cluster_client import ClusterClient  # noqa: E402
from cohesity_sdk.cluster.api_client import ApiClient  # noqa: E402
from cohesity_sdk.cluster.api.access_token_api import AccessTokenApi  # noqa: E402
from cohesity_sdk.cluster.api.mfa_api import MFAApi  # noqa: E402
from cohesity_sdk.cluster.api.user_api import UserApi  # noqa: E402
from cohesity_sdk.cluster.exceptions import ApiException  # noqa: E402
from cohesity_sdk.cluster.models.create_access_token_request_params import CreateAccessTokenRequestParams  # noqa: E402
from cohesity_sdk.cluster.models.create_totp_key_request_body import CreateTotpKeyRequestBody  # noqa: E402
from cohesity_sdk.cluster.models.create_user_parameters import CreateUserParameters  # noqa: E402
from cohesity_sdk.cluster.models.create_user_session_request_params import CreateUserSessionRequestParams  # noqa: E402
from cohesity_sdk.cluster.models.local_user_params import LocalUserParams  # noqa: E402
from cohesity_sdk.cluster.models.mfa_config_info import MfaConfigInfo  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_sdk_check import Runner, check, eq, parse_args, sdk_config  # noqa: E402

STEP = 30  # seconds of a TOTP step


def totp(secret, at=None):
    """RFC 6238 TOTP of a base32 secret: HMAC-SHA-1, 6 digits, 30-s steps. Returns (code, step)."""
    s = secret.replace(" ", "").upper()
    key = base64.b32decode(s + "=" * (-len(s) % 8))
    step = int((time.time() if at is None else at) // STEP)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}", step


def wait_for_step_after(step):
    """Sleeps until the TOTP step is later than `step`; returns the seconds slept."""
    slept = 0.0
    while int(time.time() // STEP) <= step:
        d = STEP - time.time() % STEP + 0.2
        time.sleep(d)
        slept += d
    return slept


def main():
    args = parse_args(__doc__, (("--sdk",), dict(default=os.environ.get("COHESITY_SDK_PATH"),
                                help="directory holding the cohesity_sdk package (else it must be on PYTHONPATH)")))

    r = Runner(args.host)
    run = uuid.uuid4().hex[:6]
    pw = "Sdk-Mfa-Pass-1!" + run
    viewer = f"mfa_py_{run}"
    s = {}  # state shared by the steps

    def config(**keys):
        """A Configuration with exactly the given credentials (api_key dict entries)."""
        return sdk_config(args.host, **keys)

    # Log-ins go through an SDK client that carries no credential, as a
    # user's own client does.
    anon_users = UserApi(ApiClient(config()))
    anon_tokens = AccessTokenApi(ApiClient(config()))

    def session_apis(session_id):
        """UserApi and MFAApi that send `session-id: <session_id>`."""
        cfg = config(SessionIdHeader=session_id)
        return UserApi(ApiClient(cfg)), MFAApi(ApiClient(cfg))

    def log_in(otp_code=None, otp_type=None, password=None):
        return r.call(anon_users, "create_session", 201, CreateUserSessionRequestParams(
            username=viewer, password=password or pw, domain="LOCAL", otp_code=otp_code, otp_type=otp_type))

    def log_in_refused(status, otp_code=None, otp_type=None):
        return r.expect_error(status, anon_users.create_session, CreateUserSessionRequestParams(
            username=viewer, password=pw, domain="LOCAL", otp_code=otp_code, otp_type=otp_type))

    def set_mfa_raw(body):
        """update_mfa_config, read raw: the server answers 204 with an empty body.

        The Python SDK declares `'204': "MfaConfigInfo"` for this operation,
        so its update_mfa_config and update_mfa_config_with_http_info parse
        the empty 204 body as an MfaConfigInfo and raise pydantic's
        ValidationError -- AFTER the server has applied the change. The
        *_without_preload_content variant returns the urllib3 response
        unparsed, which is how a client reads the 204; it then checks the
        setting with get_mfa_config.
        """
        resp = s["mfa"].update_mfa_config_without_preload_content(body)
        raw = resp.read() if hasattr(resp, "read") else resp.data
        eq(resp.status, 204, "update_mfa_config status")
        check(not (raw or b"").strip(), f"update_mfa_config: 204 with a body {raw[:200]!r}")
        return r.call(s["mfa"], "get_mfa_config", 200)

    # ---- admin, before MFA is on ---------------------------------------------
    def login():
        c = ClusterClient(cluster_vip=args.host, username=args.username, password=args.password, domain="LOCAL")
        # ClusterClient's *_api properties log in again (create_access_token)
        # the first time each is read: read them all now, while MFA is off.
        s["client"], s["mfa"], s["users"] = c, c.mfa_api, c.user_api
        cur = r.call(s["mfa"], "get_mfa_config", 200)
        check(isinstance(cur.enabled, bool), f"enabled {cur.enabled!r}")
        check(isinstance(cur.authentication_types, list) and "totp" in cur.authentication_types,
              f"authenticationTypes {cur.authentication_types!r}")
        check(isinstance(cur.retain_user_mfa_settings, bool), f"retainUserMfaSettings {cur.retain_user_mfa_settings!r}")
        check(not cur.enabled, "MFA is already on (an earlier run stopped half-way?): turn it off first")
        return f"MFA off, types {cur.authentication_types}"
    r.step("login: ClusterClient(admin) (access token made while MFA is off) + get_mfa_config", login)
    if "client" not in s:
        print(f"0 passed, {r.failed} failed")
        return 1

    def create_viewer():
        got = r.call(s["users"], "create_users", 201, [CreateUserParameters(
            username=viewer, domain="LOCAL", roles=["COHESITY_VIEWER"], description="python MFA check",
            local_user_params=LocalUserParams(password=pw))])
        u = got.users[0]
        eq((u.username, u.roles), (viewer, ["COHESITY_VIEWER"]), "created user")
        s["sid"] = u.sid
        return f"{viewer} = {u.sid}"
    r.step("create_users: a COHESITY_VIEWER with a password", create_viewer)

    # ---- MFA on ------------------------------------------------------------------
    def enable():
        got = set_mfa_raw(MfaConfigInfo(enabled=True, authentication_types=["totp"], retain_user_mfa_settings=True))
        eq((got.enabled, got.authentication_types, got.retain_user_mfa_settings), (True, ["totp"], True), "after enabling")
        s["mfa_on"] = True
        # The admin's token, issued before, keeps working; no new one is issued.
        me = r.call(s["users"], "get_user_by_sid", 200, s["sid"])
        eq(me.username, viewer, "get_user_by_sid with the admin's earlier token")
        e = r.expect_error(403, anon_tokens.create_access_token, CreateAccessTokenRequestParams(
            username=args.username, password=args.password, domain="LOCAL"))
        eq(e.error_code, "MfaRequired", "errorCode of the admin's create_access_token")
        return "204, empty body; admin create_access_token -> 403 MfaRequired"
    r.step("update_mfa_config_without_preload_content (enable, retainUserMfaSettings) -> 204 + get_mfa_config", enable)

    # ---- enrolment ---------------------------------------------------------------
    def enrolment_session():
        sess = log_in()
        check(sess is not None and sess.session_id, f"create_session returned {sess!r}")
        s["enrol"] = sess.session_id
        users, mfa = session_apis(sess.session_id)
        e = r.expect_error(401, users.get_user_by_sid, s["sid"])
        eq(e.error_code, "MfaEnrolmentRequired", "errorCode of a call with an enrolment session")
        got = r.call(mfa, "get_mfa_config", 200)
        eq(got.enabled, True, "get_mfa_config with an enrolment session")
        return f"get_user_by_sid -> 401 {e.error_code}: {e.message}"
    r.step("create_session without a code -> 201 enrolment session; get_user_by_sid with it 401; get_mfa_config 200",
           enrolment_session)

    def enrol():
        users, mfa = session_apis(s["enrol"])
        k = r.call(mfa, "create_totp_key", 201, CreateTotpKeyRequestBody(totp_key_name="python phone"))
        check(k.totp_secret_key, f"totpSecretKey empty: {k!r}")
        check(k.totp_key_id, f"totpKeyId empty: {k!r}")
        eq(k.totp_key_name, "python phone", "totpKeyName")
        uri = urllib.parse.urlparse(k.totp_uri or "")
        eq((uri.scheme, uri.netloc), ("otpauth", "totp"), f"totpUri {k.totp_uri!r}")
        q = urllib.parse.parse_qs(uri.query)
        eq(q.get("secret"), [k.totp_secret_key], "the URI's secret")
        for name, want in (("algorithm", "SHA1"), ("digits", "6"), ("period", "30")):
            if name in q:
                eq(q[name], [want], f"the URI's {name}")
        s["secret"] = k.totp_secret_key
        # Logging out is allowed too: it ends the enrolment session.
        r.call(users, "delete_session", 204, sid=s["sid"])
        r.expect_error(401, mfa.get_mfa_config)
        return f"key {k.totp_key_id}, {k.totp_uri.split('?')[0]}"
    r.step("create_totp_key with the enrolment session (session-id) -> 201 totpSecretKey, totpUri; log out",
           enrol)

    # ---- log-in with a code ------------------------------------------------------
    def login_with_code():
        code, step = totp(s["secret"])
        s["code"], s["step"] = code, step
        sess = log_in(otp_code=code, otp_type="totp")
        check(sess is not None and sess.session_id, f"create_session returned {sess!r}")
        users, _ = session_apis(sess.session_id)
        me = r.call(users, "get_user_by_sid", 200, s["sid"])
        eq((me.username, me.roles), (viewer, ["COHESITY_VIEWER"]), "get_user_by_sid with the full session")
        s["full"] = sess.session_id
        return f"code of step {step}"
    r.step("create_session(otp_code=<TOTP>, otp_type='totp') -> 201; get_user_by_sid with it 200", login_with_code)

    def refusals():
        e1 = log_in_refused(401, otp_code=s["code"], otp_type="totp")
        e2 = log_in_refused(401)
        eq(e2.error_code, "MfaRequired", "errorCode without a code")
        e3 = r.expect_error(403, anon_tokens.create_access_token, CreateAccessTokenRequestParams(
            username=viewer, password=pw, domain="LOCAL"))
        eq(e3.error_code, "MfaRequired", "errorCode of create_access_token")
        e4 = log_in_refused(400, otp_code="123456", otp_type="salesforce")
        return (f"replay 401 {e1.error_code}; no code 401 {e2.error_code}; access token 403 {e3.error_code};"
                f" salesforce 400 {e4.error_code}")
    r.step("refused: the same code again 401, no code 401 MfaRequired, create_access_token 403, salesforce 400",
           refusals)

    def next_step():
        slept = wait_for_step_after(s["step"])
        code, step = totp(s["secret"])
        sess = log_in(otp_code=code)  # no otp_type: the enrolled factor is assumed
        users, _ = session_apis(sess.session_id)
        eq(r.call(users, "get_user_by_sid", 200, s["sid"]).username, viewer, "get_user_by_sid")
        return f"waited {slept:.1f} s for step {step}"
    r.step("the next step's code (no otp_type) logs in again", next_step)

    # ---- MFA off -----------------------------------------------------------------
    def disable():
        # The SDK's own update_mfa_config: the server applies the change and
        # answers 204 with an empty body, which the SDK then fails to parse
        # as MfaConfigInfo (pydantic ValidationError). Tolerate exactly
        # that, and read the setting back.
        try:
            s["mfa"].update_mfa_config(MfaConfigInfo(enabled=False, authentication_types=["totp"],
                                                     retain_user_mfa_settings=True))
            how = "update_mfa_config returned"
        except ValidationError as e:
            how = f"update_mfa_config raised ValidationError after the change ({e.error_count()} error)"
        got = r.call(s["mfa"], "get_mfa_config", 200)
        eq(got.enabled, False, "enabled after turning MFA off")
        s["mfa_on"] = False
        sess = log_in()
        users, _ = session_apis(sess.session_id)
        eq(r.call(users, "get_user_by_sid", 200, s["sid"]).username, viewer, "get_user_by_sid after a plain log-in")
        tok = r.call(anon_tokens, "create_access_token", 201, CreateAccessTokenRequestParams(
            username=viewer, password=pw, domain="LOCAL"))
        check(tok.access_token, "accessToken empty")
        return how
    r.step("update_mfa_config (disable; 204 body unparsable by the SDK) + get_mfa_config; plain log-in works", disable)

    # ---- clean up (MFA off even after a failure) -----------------------------------
    def cleanup():
        if s.get("mfa_on"):
            set_mfa_raw(MfaConfigInfo(enabled=False, authentication_types=["totp"], retain_user_mfa_settings=False))
        if "sid" in s:
            r.call(s["users"], "delete_user", 204, s["sid"])
            r.expect_error(404, s["users"].get_user_by_sid, s["sid"])
        eq(r.call(s["mfa"], "get_mfa_config", 200).enabled, False, "MFA after the run")
    r.step("clean up: MFA off, delete_user", cleanup)

    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())

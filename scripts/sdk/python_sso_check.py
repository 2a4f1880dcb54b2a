#!/usr/bin/env python3
"""End-to-end check of a clusteriam server's single sign-on through the
vendor's Python SDK (issue 18).

Uses only the public API of the published Cohesity Python SDK (cohesity_sdk,
not part of this repository: put a checkout on PYTHONPATH, or name it with
--sdk or COHESITY_SDK_PATH): ClusterClient's identity_provider_api and
user_api, and the SDK's models. The Runner (wire checks, one line per step)
is the one of python_sdk_check.py.

Flow: configure a SAML identity provider (create_identity_provider), read it
back (get_identity_providers), change it (update_identity_provider), start a
sign-on (idps_login: the SDK follows the redirect to the provider's log-in
page); configure an OpenID Connect issuer (create_identity), read and change
it (get_identities, update_identity), refresh its keys
(perform_identity_action RefreshPublicKeys); add a user of the domain with a
role (create_users) and read the users with a token the issuer gave that
user (get_users with "Authorization: Bearer <JWT>"); refuse a token from
nowhere; then delete both configurations. Every run uses fresh names.

Usage:
    python3 scripts/sdk/python_sso_check.py --sdk /path/to/cohesity_sdk \\
        --host 127.0.0.1:8443 --password ADMIN-PASSWORD \\
        --saml-issuer URL --saml-sso-url URL --saml-cert-file FILE \\
        --oidc-domain DOMAIN --oidc-jwks-url URL --oidc-audience ID \\
        --oidc-user NAME --oidc-token-file FILE
`go test ./cmd/clusteriam -run TestPythonSDKSSO` starts a server, a SAML
provider and an OpenID provider on loopback and runs this script.
"""

import os
import sys
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

from cohesity_sdk.cluster.cluster_client import ClusterClient  # noqa: E402
from cohesity_sdk.cluster.api_client import ApiClient  # noqa: E402
from cohesity_sdk.cluster.api.identity_provider_api import IdentityProviderApi  # noqa: E402
from cohesity_sdk.cluster.api.user_api import UserApi  # noqa: E402
from cohesity_sdk.cluster.models.common_identity_provider_configuration import CommonIdentityProviderConfiguration  # noqa: E402
from cohesity_sdk.cluster.models.create_idp_request_params import CreateIdpRequestParams  # noqa: E402
from cohesity_sdk.cluster.models.create_user_parameters import CreateUserParameters  # noqa: E402
from cohesity_sdk.cluster.models.identity_action import IdentityAction  # noqa: E402
from cohesity_sdk.cluster.models.identity_config import IdentityConfig  # noqa: E402
from cohesity_sdk.cluster.models.open_id_connect_action import OpenIdConnectAction  # noqa: E402
from cohesity_sdk.cluster.models.open_id_provider import OpenIdProvider  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_sdk_check import Runner, check, eq, parse_args, sdk_config  # noqa: E402


def main():
    args = parse_args(__doc__,
                      (("--sdk",), dict(default=os.environ.get("COHESITY_SDK_PATH"),
                                        help="directory holding the cohesity_sdk package")),
                      (("--saml-issuer",), dict(required=True)), (("--saml-sso-url",), dict(required=True)),
                      (("--saml-cert-file",), dict(required=True)),
                      (("--oidc-domain",), dict(required=True)), (("--oidc-jwks-url",), dict(required=True)),
                      (("--oidc-audience",), dict(required=True)), (("--oidc-user",), dict(required=True)),
                      (("--oidc-token-file",), dict(required=True)))
    r = Runner(args.host)
    run = uuid.uuid4().hex[:6]
    s = {}
    with open(args.saml_cert_file) as f:
        cert = f.read()
    with open(args.oidc_token_file) as f:
        token = f.read().strip()

    def login():
        c = ClusterClient(cluster_vip=args.host, username=args.username, password=args.password, domain="LOCAL")
        s["idp"], s["users"] = c.identity_provider_api, c.user_api
        got = r.call(s["idp"], "get_identity_providers", 200)
        check(got.idps is not None, f"get_identity_providers: no idps list in {got!r}")
        return f"{len(got.idps)} SAML providers before"
    r.step("login + get_identity_providers", login)
    if "idp" not in s:
        print(f"0 passed, {r.failed} failed")
        return 1

    saml_domain = f"saml-{run}.example.com"

    def saml_create():
        got = r.call(s["idp"], "create_identity_provider", 201, CreateIdpRequestParams(
            name="samlidp", domain=saml_domain, issuer_id=args.saml_issuer, sso_url=args.saml_sso_url,
            certificate=cert, roles=["COHESITY_VIEWER"], allow_local_user_login=True))
        check(got.id, f"no id in {got!r}")
        eq((got.domain, got.issuer_id, got.sso_url, got.roles, got.is_enabled, got.allow_local_user_login),
           (saml_domain, args.saml_issuer, args.saml_sso_url, ["COHESITY_VIEWER"], True, True), "created")
        s["saml_id"] = got.id
        listed = r.call(s["idp"], "get_identity_providers", 200, domains=[saml_domain])
        eq([i.id for i in listed.idps], [got.id], "get_identity_providers(domains=)")
        return f"id {got.id}"
    r.step("create_identity_provider (SAML) + get_identity_providers", saml_create)

    def saml_update():
        got = r.call(s["idp"], "update_identity_provider", 200, s["saml_id"], CommonIdentityProviderConfiguration(
            issuer_id=args.saml_issuer, sso_url=args.saml_sso_url, certificate=cert,
            roles=["COHESITY_VIEWER"], saml_attribute_name="clusterRoles", allow_local_user_login=True))
        eq((got.saml_attribute_name, got.domain, got.name), ("clusterRoles", saml_domain, "samlidp"), "updated")
        return "samlAttributeName set; name and domain kept"
    r.step("update_identity_provider", saml_update)

    def saml_refused():
        e = r.expect_error(400, s["idp"].create_identity_provider, CreateIdpRequestParams(
            name="bad", domain=f"bad-{run}.example.com", issuer_id=args.saml_issuer, sso_url=args.saml_sso_url,
            certificate="not a certificate", roles=["COHESITY_VIEWER"]))
        return f"refused: {e.message}"
    r.step("create_identity_provider: a certificate that does not parse is refused", saml_refused)

    def saml_login():
        # The SDK follows the 302 to the provider, whose log-in page answers 200.
        resp = s["idp"].idps_login_with_http_info()
        eq(resp.status_code, 200, "status after following the redirect")
        return "redirected to the provider's log-in page"
    r.step("idps_login: the SDK lands on the provider's log-in page", saml_login)

    def oidc_create():
        got = r.call(s["idp"], "create_identity", 201, IdentityConfig(
            domain=args.oidc_domain, identity_provider_type="OpenIdConnect",
            open_id_connect_params=OpenIdProvider(audience_ids=[args.oidc_audience], public_key_url=args.oidc_jwks_url)))
        check(got.id, f"no id in {got!r}")
        p = got.open_id_connect_params
        eq((got.domain, got.identity_provider_type, got.is_enabled, p.audience_ids, p.public_key_url, p.polling_frequency_mins),
           (args.oidc_domain, "OpenIdConnect", True, [args.oidc_audience], args.oidc_jwks_url, 1440), "created")
        s["oidc_id"] = got.id
        listed = r.call(s["idp"], "get_identities", 200, ids=[got.id])
        eq([i.id for i in listed.idps], [got.id], "get_identities(ids=)")
        s["oidc"] = listed.idps[0]
        return f"id {got.id}"
    r.step("create_identity (OpenID Connect) + get_identities", oidc_create)

    def oidc_update():
        cur = s["oidc"]
        cur.open_id_connect_params.polling_frequency_mins = 60
        got = r.call(s["idp"], "update_identity", 200, s["oidc_id"], cur)
        eq(got.open_id_connect_params.polling_frequency_mins, 60, "pollingFrequencyMins")
        stale = IdentityConfig.from_dict(cur.to_dict())
        stale.last_modified_timestamp_usecs = 1
        e = r.expect_error((409, 412), s["idp"].update_identity, s["oidc_id"], stale)
        return f"polling every 60 min; a stale update refused: {e.message}"
    r.step("update_identity, and a stale one refused", oidc_update)

    def refresh():
        got = r.call(s["idp"], "perform_identity_action", 201, IdentityAction(
            identity_provider_type="OpenIdConnect", open_id_connect_params=OpenIdConnectAction(action="RefreshPublicKeys")))
        eq(got.identity_provider_type, "OpenIdConnect", "echoed type")
        return "keys fetched again"
    r.step("perform_identity_action RefreshPublicKeys", refresh)

    def token_user():
        added = r.call(s["users"], "create_users", 201, [CreateUserParameters(
            username=args.oidc_user, domain=args.oidc_domain, roles=["COHESITY_VIEWER"])])
        s["oidc_sid"] = added.users[0].sid
        api = UserApi(ApiClient(sdk_config(args.host, Bearer="Bearer " + token)))
        got = r.call(api, "get_users", 200)
        check(any(u.username == args.oidc_user for u in got.users), f"{args.oidc_user} not listed")
        e = r.expect_error(403, api.create_users, [CreateUserParameters(
            username=f"x{run}", domain="LOCAL", roles=["COHESITY_VIEWER"])])
        return f"{len(got.users)} users read as {args.oidc_domain}\\{args.oidc_user}; create refused: {e.message}"
    r.step("get_users with a token from the OpenID provider (Bearer JWT)", token_user)

    def forged():
        api = UserApi(ApiClient(sdk_config(args.host, Bearer="Bearer " + token[:-4] + "AAAA")))
        r.expect_error(401, api.get_users)
        return "a token with a broken signature: 401"
    r.step("get_users with a tampered token is refused", forged)

    def cleanup():
        if s.get("oidc_sid"):
            r.call(s["users"], "delete_user", 204, s["oidc_sid"])
        r.call(s["idp"], "delete_identity", 204, s["oidc_id"])
        r.call(s["idp"], "delete_identity_provider", 204, s["saml_id"])
        left = r.call(s["idp"], "get_identity_providers", 200, ids=[s["saml_id"]])
        eq(left.idps, [], "after delete")
        return "both configurations deleted"
    r.step("delete_identity + delete_identity_provider", cleanup)

    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())

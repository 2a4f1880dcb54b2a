package console

import (
	"io/fs"
	"net/http"
)

// route is one of the console's pages or actions.
type route struct {
	pattern string
	handler http.Handler
}

// routes lists every route of the console.
func (c *console) routes(static fs.FS) []route {
	var rs []route
	open := func(pattern string, h http.Handler) { rs = append(rs, route{pattern, h}) }
	authed := func(pattern string, h authedHandler) { open(pattern, c.authed(h)) }

	open("GET /static/", http.StripPrefix("/static/", staticFiles(static)))
	open("GET /login", c.handleLoginPage())
	open("POST /login", c.handleLogin())
	authed("POST /logout", c.handleLogout())
	open("POST /idps/authenticate", c.handleSAMLACS())
	open("GET /idps/metadata", c.handleSAMLMetadata())

	authed("GET /{$}", c.handleOverview())

	// Users and groups: every action a POST form that goes back to its
	// page; deletions through a confirmation page.
	authed("GET /users", c.handleUsers())
	authed("GET /users/new", c.handleNewUser())
	authed("POST /users", c.handleCreateUser())
	authed("GET /users/{sid}", c.handleUser())
	authed("POST /users/{sid}/profile", c.handleUserProfile())
	authed("POST /users/{sid}/roles", c.handleUserRoles())
	authed("POST /users/{sid}/lock", c.handleLockUser(true))
	authed("POST /users/{sid}/unlock", c.handleLockUser(false))
	authed("POST /users/{sid}/password", c.handleUserPassword())
	authed("POST /users/{sid}/sessions/end", c.handleEndSessions())
	authed("POST /users/{sid}/revoke", c.handleRevoke())
	authed("POST /users/{sid}/s3-key", c.handleS3Key())
	authed("POST /users/{sid}/keys", c.handleKeyCreate())
	authed("POST /users/{sid}/keys/{id}/deactivate", c.handleKeyDeactivate(""))
	authed("POST /users/{sid}/keys/{id}/rotate", c.handleKeyRotate(""))
	authed("GET /users/{sid}/delete", c.handleDeleteUser())
	authed("POST /users/{sid}/delete", c.handleDeleteUser())
	authed("GET /groups", c.handleGroups())
	authed("GET /groups/new", c.handleNewGroup())
	authed("POST /groups", c.handleCreateGroup())
	authed("GET /groups/{sid}", c.handleGroup())
	authed("POST /groups/{sid}/profile", c.handleGroupProfile())
	authed("POST /groups/{sid}/roles", c.handleGroupRoles())
	authed("POST /groups/{sid}/members/add", c.handleGroupMember(true))
	authed("POST /groups/{sid}/members/remove", c.handleGroupMember(false))
	authed("GET /groups/{sid}/delete", c.handleDeleteGroup())
	authed("POST /groups/{sid}/delete", c.handleDeleteGroup())

	// Roles, API keys, audit, directories, organizations, settings and
	// one's own account.
	authed("GET /roles", c.handleRoles())
	authed("GET /roles/new", c.handleRoleForm(false))
	authed("POST /roles/new", c.handleRoleSave(false))
	authed("GET /roles/{name}/edit", c.handleRoleForm(true))
	authed("POST /roles/{name}/edit", c.handleRoleSave(true))
	authed("GET /roles/{name}/delete", c.handleRoleDeletePage())
	authed("POST /roles/{name}/delete", c.handleRoleDelete())
	authed("GET /api-keys", c.handleAPIKeys())
	authed("POST /api-keys/{sid}/{id}/rotate", c.handleKeyRotate("/api-keys"))
	authed("POST /api-keys/{sid}/{id}/deactivate", c.handleKeyDeactivate("/api-keys"))
	authed("GET /audit", c.handleAudit())
	authed("GET /audit/stream", c.handleAuditStream())
	authed("GET /directories", c.handleDirectories())
	authed("GET /tenants", c.handleTenants())
	authed("POST /tenants/new", c.handleTenantCreate())
	authed("POST /tenants/activate", c.handleTenantStatus(true))
	authed("POST /tenants/deactivate", c.handleTenantStatus(false))
	authed("GET /tenants/delete", c.handleTenantDeletePage())
	authed("POST /tenants/delete", c.handleTenantDelete())
	authed("GET /settings/mfa", c.handleMFA())
	authed("POST /settings/mfa", c.handleMFASave())
	authed("GET /settings/security", c.handleSecurity())
	authed("POST /settings/security", c.handleSecuritySave())
	authed("GET /account", c.handleAccount())
	authed("POST /account/password", c.handlePasswordChange())
	authed("POST /account/sessions/end-others", c.handleEndOtherSessions())
	authed("POST /account/api-keys", c.handleOwnKeyCreate())
	authed("POST /account/api-keys/{id}/deactivate", c.handleKeyDeactivate("/account"))
	authed("POST /account/totp", c.handleTOTPEnrol())

	open("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, "There is no such page.")
	}))
	return rs
}

// staticFiles serves the embedded files. Their URLs carry a hash of their
// content (see parsePages), so they may be cached for long.
func staticFiles(static fs.FS) http.Handler {
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(w, r)
	})
}

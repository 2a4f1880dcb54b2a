package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/clusteriam/clusteriam/internal/atomicfile"
)

// Config is the CLI's file: the servers it knows (contexts, as kubeconfig
// has them) and which is current. It holds session ids, so it must be
// readable by its owner only: a looser file is refused.
type Config struct {
	Current  string     `yaml:"current-context,omitempty" json:"current-context,omitempty"`
	Contexts []*Context `yaml:"contexts,omitempty" json:"contexts,omitempty"`
}

// Context is one server and the session held on it.
type Context struct {
	Name   string `yaml:"name" json:"name"`
	Server string `yaml:"server" json:"server"` // https://host:port
	// CACert is a PEM file of the CAs the server's certificate must chain
	// to; empty: the system's.
	CACert string `yaml:"caCert,omitempty" json:"caCert,omitempty"`
	// InsecureSkipVerify accepts any certificate.
	InsecureSkipVerify bool `yaml:"insecureSkipVerify,omitempty" json:"insecureSkipVerify,omitempty"`
	// Fingerprint pins the server's certificate (SHA-256 of its DER, as
	// confirmed at log-in), for a self-signed one.
	Fingerprint string `yaml:"fingerprint,omitempty" json:"fingerprint,omitempty"`
	Domain      string `yaml:"domain,omitempty" json:"domain,omitempty"`
	Username    string `yaml:"username,omitempty" json:"username,omitempty"`
	// SessionID is the session of the last log-in; logout ends it.
	SessionID string `yaml:"sessionId,omitempty" json:"sessionId,omitempty"`
	// UserSID is the logged-in user's sid.
	UserSID string `yaml:"userSid,omitempty" json:"userSid,omitempty"`
}

// configPath is where the file is: $CLUSTERIAM_CONFIG, else
// $XDG_CONFIG_HOME/clusteriam/config.yaml, else ~/.config/clusteriam/config.yaml.
func configPath(getenv func(string) string) (string, error) {
	if p := getenv("CLUSTERIAM_CONFIG"); p != "" {
		return p, nil
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "clusteriam", "config.yaml"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("no $HOME, $XDG_CONFIG_HOME or $CLUSTERIAM_CONFIG to keep the CLI's configuration in")
	}
	return filepath.Join(home, ".config", "clusteriam", "config.yaml"), nil
}

// loadConfig reads the file at path; a missing one is an empty Config.
func loadConfig(path string) (*Config, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v): it holds session ids; chmod 600 it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// save writes c to path, mode 0600, replacing the file whole so that a
// crash leaves the old one or the new one.
func (c *Config) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o600)
}

// context returns the context named name ("" the current one), or nil.
func (c *Config) context(name string) *Context {
	if name == "" {
		name = c.Current
	}
	for _, x := range c.Contexts {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// put adds or replaces x and makes it current.
func (c *Config) put(x *Context) {
	for i, old := range c.Contexts {
		if old.Name == x.Name {
			c.Contexts[i] = x
			c.Current = x.Name
			return
		}
	}
	c.Contexts = append(c.Contexts, x)
	c.Current = x.Name
}

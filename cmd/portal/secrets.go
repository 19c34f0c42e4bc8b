package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// secretsFile holds generated keys, base64-encoded by encoding/json.
type secretsFile struct {
	HashKey    []byte `json:"hash_key"`
	BlockKey   []byte `json:"block_key"`
	MasterKey  []byte `json:"master_key"`
	ReceiptKey []byte `json:"receipt_key"`
}

// loadSecrets fills the keys the environment did not give from <dataDir>/secrets.json,
// generating and saving (mode 0600) any that are missing. Several instances sharing a
// database must share the keys: set them in the environment for those.
func loadSecrets(c *Config) error {
	if c.HashKey != "" && c.BlockKey != "" && c.MasterKey != "" && c.ReceiptKey != "" {
		return nil
	}
	path := filepath.Join(c.DataDir, "secrets.json")
	var f secretsFile
	b, err := os.ReadFile(path) // #nosec G304 G703 -- the operator's data directory (flag or environment), not request input
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%s is damaged (%v); restore it from backup — without it sessions and encrypted fields cannot be read", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	changed := false
	for _, k := range []struct {
		dst  *[]byte
		size int
	}{{&f.HashKey, 64}, {&f.BlockKey, 32}, {&f.MasterKey, 32}, {&f.ReceiptKey, 32}} {
		if len(*k.dst) == 0 {
			*k.dst = make([]byte, k.size)
			if _, err := rand.Read(*k.dst); err != nil {
				return err
			}
			changed = true
		}
	}
	if changed {
		out, _ := json.MarshalIndent(f, "", "  ")
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, out, 0o600); err != nil { // #nosec G703 -- the operator's data directory (flag or environment), not request input
			return fmt.Errorf("cannot write %s: %w", tmp, err)
		}
		if err := os.Rename(tmp, path); err != nil { // #nosec G703 -- the operator's data directory (flag or environment), not request input
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
	}
	if c.HashKey == "" {
		c.HashKey = secret(f.HashKey)
	}
	if c.BlockKey == "" {
		c.BlockKey = secret(f.BlockKey)
	}
	if c.MasterKey == "" {
		c.MasterKey = secret(f.MasterKey)
	}
	if c.ReceiptKey == "" {
		c.ReceiptKey = secret(f.ReceiptKey)
	}
	return nil
}

package analytics

import (
	"strings"
	"sync"
)

// agentCacheSize bounds the strings kept: a site's visitors send a few hundred distinct
// User-Agents a day, and a client sending new ones on purpose only empties the cache.
const agentCacheSize = 1024

// AgentCache remembers what Classify said of the User-Agents seen lately. Classifying
// scans the string some fifty times (about 3 µs, a third of what counting a view cost);
// a look-up here is one map read. The strings stay in this process's memory only, never
// beside an address, and go with the next reset.
type AgentCache struct {
	mu sync.RWMutex
	m  map[string]Agent
}

// Classify is Classify(ua), from the cache when ua was seen lately.
func (c *AgentCache) Classify(ua string) Agent {
	c.mu.RLock()
	a, ok := c.m[ua]
	c.mu.RUnlock()
	if ok {
		return a
	}
	a = Classify(ua)
	if len(ua) > maxAgentLen {
		return a
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= agentCacheSize {
		c.m = make(map[string]Agent, 64)
	}
	c.m[strings.Clone(ua)] = a
	c.mu.Unlock()
	return a
}

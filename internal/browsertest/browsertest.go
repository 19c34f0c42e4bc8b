// Package browsertest holds helpers for tests that drive a real headless
// Chromium: start a browser tab, run the axe-core accessibility checks on the
// current page, and save screenshots. Import it only from _test.go files.
//
// Environment:
//
//	PORTAL_CHROMIUM  path or name of the browser binary (default: search PATH)
//	PORTAL_AXE_JS    path of axe.min.js (default: <module root>/tmp/npm/...)
//	CI               when set, a missing browser or axe-core fails the test
//	                 instead of skipping it, so CI cannot pass by accident
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds the whole life of a browser started by New, so that a hung
// browser fails the test instead of hanging until the go test deadline. It guards
// against hangs, not slowness: journeys run several minutes of pages when browser
// tests share the machine's cores.
var Timeout = 4 * time.Minute

// browserNames are tried in order with exec.LookPath after $PORTAL_CHROMIUM.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// New starts headless Chromium and returns a chromedp context (one tab) for the
// test, with a width×height viewport. The browser is closed at t.Cleanup.
//
// If no browser is found, the test is skipped with a loud message, or fails
// when $CI is set.
func New(t testing.TB, width, height int) context.Context {
	t.Helper()
	execPath, err := findBrowser()
	if err != nil {
		unavailable(t, "%v; install chromium fonts-noto-cjk "+
			"(apt-get install chromium fonts-noto-cjk) or set PORTAL_CHROMIUM", err)
	}

	// TempDir first: cleanups run last-in first-out, so the browser stops
	// before its profile directory is removed.
	profile := t.TempDir()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // we run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		// The machine has no network: stop Chromium from trying to reach
		// Google services, which only adds noise and delays.
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The portal's users are Taiwanese: the browser asks for zh-TW first.
		chromedp.Flag("lang", "zh-TW"),
		chromedp.Flag("accept-lang", "zh-TW,zh;q=0.9,en;q=0.5"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(width, height),
	)

	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		cancelTimeout()
	})

	// The first action starts the browser, so a broken install fails here
	// with a clear message rather than in the middle of the test.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("browsertest: start %s: %v", execPath, err)
	}
	return ctx
}

// findBrowser returns the path of the first browser binary it finds.
func findBrowser() (string, error) {
	names := browserNames
	if p := os.Getenv("PORTAL_CHROMIUM"); p != "" {
		names = []string{p} // an explicit choice must not silently fall back
	}
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (tried %s; $PORTAL_CHROMIUM overrides)", strings.Join(names, ", "))
}

// unavailable skips the test because a tool is missing, or fails it under CI
// where a skipped browser test would hide a broken setup.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("BROWSER TESTS CANNOT RUN (fatal because CI is set): "+format, args...)
	}
	t.Skipf("BROWSER TESTS SKIPPED: "+format, args...)
}

// ModuleRoot returns the directory that holds go.mod, walking up from the
// working directory (go test runs in the package directory).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("browsertest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Screenshot saves a full-page PNG of the current page to
// <module root>/tmp/screenshots/<name>.png and returns its path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 means PNG
	if err != nil {
		t.Fatalf("browsertest: screenshot %q: %v", name, err)
	}
	path := filepath.Join(ModuleRoot(t), "tmp", "screenshots", name+".png")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	if err := os.WriteFile(path, png, 0o600); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return path
}

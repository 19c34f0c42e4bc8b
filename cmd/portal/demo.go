package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/example/pdpa-portal/internal/demo"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
)

// demoCmd fills an empty database with the demo agency (internal/demo).
func demoCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	var people int
	c, err := parseConfig("portal demo", args, env, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&people, "people", 120, fmt.Sprintf("how many demo citizens (10 to %d)", demo.MaxPeople))
	})
	if err != nil {
		return err
	}
	if people < 10 || people > demo.MaxPeople {
		return &usageError{fmt.Sprintf("-people must be from 10 to %d", demo.MaxPeople)}
	}
	a, err := open(c, newLogger(c, stderr), false)
	if errors.Is(err, embedded.ErrLocked) {
		return refusedBesidePortal("demo", c.DataDir, "stop it and run demo again (demo data goes only into an empty database)")
	}
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.bootstrap(ctx); err != nil {
		return fmt.Errorf("prepare database: %w", err)
	}
	if empty, err := store.HoldsNoPeople(ctx, a.db); err != nil {
		return err
	} else if !empty {
		return errors.New("the database already holds accounts or requests: demo data goes only into an empty one (use a new PORTAL_DATA_DIR)")
	}
	start := time.Now()
	res, err := demo.Generate(ctx, demo.Deps{Portal: a.Portal, BaseURL: c.BaseURL, Progress: demoProgress(stderr)}, people)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo data: %d citizens, %d requests (%d open), %d disclosures, %d audit events, 365 days of traffic, in %s.\n",
		res.Citizens, res.Requests, res.Open, res.Disclosures, res.AuditEvents, time.Since(start).Round(time.Second))
	if len(res.HolidayYears) > 0 {
		years := make([]string, len(res.HolidayYears))
		for i, y := range res.HolidayYears {
			years[i] = strconv.Itoa(y)
		}
		fmt.Fprintf(stdout, "Office calendar: the holidays of %s, worked out from the holiday rules as demo data; an agency imports the official calendar at /admin/calendar instead.\n",
			strings.Join(years, " and "))
	}
	fmt.Fprintf(stdout, "Time taken: %s.\n", strings.Join(res.Took, ", "))
	fmt.Fprintf(stdout, "Sign in with any of these (password %s):\n", demo.Password)
	for _, s := range demo.Staff {
		fmt.Fprintf(stdout, "  %-28s %s\n", s.Email, s.Role)
	}
	fmt.Fprintf(stdout, "  %-28s citizen\n", demo.Email(1))
	return nil
}

// demoProgress is the progress bar on a terminal, else a line at every tenth.
func demoProgress(w io.Writer) func(string, int64, int64) {
	if p := progressBar(w); p != nil {
		return p
	}
	return func(what string, n, total int64) {
		if total > 0 && (n == total || n*10/total != (n-1)*10/total) {
			fmt.Fprintf(w, "%s: %d/%d\n", what, n, total)
		}
	}
}

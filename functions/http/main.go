// Command http runs subgate as a plain HTTP server: for local use (make run), containers, and SCF
// Web Functions. POST on any path is the webhook; GET /healthz answers 200. With
// SUBGATE_METRICS_ADDR it also serves GET /metrics for Prometheus on that address, a listener of
// its own. The environment configures it; -version prints the version and exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/subgate/subgate/internal/version"
	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpserver"
	"github.com/subgate/subgate/pkg/metrics"
	"github.com/subgate/subgate/pkg/metrics/prom"
)

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Line())
		return
	}
	var g *gate.Gate
	var scrape *http.ServeMux // /metrics, when SUBGATE_METRICS_ADDR is set
	g = gate.FromEnv(os.Getenv, os.Stdout, gate.WithMetrics(func(cfg config.Config) metrics.Metrics {
		if cfg.MetricsAddr == "" {
			return nil
		}
		p := prom.New(func() string { return g.Revision() }) // read at each scrape, once g is set
		scrape = http.NewServeMux()
		scrape.Handle("GET /metrics", p.Handler())
		return p
	}))
	if err := g.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "subgate:", err)
		os.Exit(2)
	}
	sites := []httpserver.Site{{Addr: g.Config().Addr, Handler: g}}
	if scrape != nil {
		sites = append(sites, httpserver.Site{Addr: g.Config().MetricsAddr, Handler: scrape})
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := httpserver.RunAll(ctx, g.Logger(), sites...); err != nil {
		fmt.Fprintln(os.Stderr, "subgate:", err)
		os.Exit(1)
	}
}

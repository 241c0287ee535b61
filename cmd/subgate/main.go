package main

import (
	"os"
	"time"
)

func main() {
	c := &cli{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, now: time.Now}
	os.Exit(c.run(os.Args[1:]))
}

// Package localrun runs subgate's functions on this machine the way their platforms run them: the
// SCF event function over scf-go-lib's net/rpc protocol (StartSCF), the Lambda bootstrap under the
// Lambda Runtime Interface Emulator (StartLambda), and any other process (Start). Each collects the
// process's output line by line, and Output.WaitFor waits for a line with a deadline: a line a
// function logs reaches this process through a pipe, so it may arrive after the answer does.
//
// The end-to-end tests of functions/, make events (deploy/invoke) and make bench (bench/run) use it.
package localrun

// Asks gomemcache's ServerList where keys go, for GomemcachePlacementIT. Standard input:
//   servers HOST:PORT ...   SetServers with these
//   keys N                  then N hex-encoded keys; prints the index of each key's server
// No server is contacted: PickServer only computes the placement.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/bradfitz/gomemcache/memcache"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var ss memcache.ServerList
	index := map[string]int{}
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "servers":
			if err := ss.SetServers(f[1:]...); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			index = map[string]int{}
			for i, s := range f[1:] {
				index[s] = i
			}
		case "keys":
			n, _ := strconv.Atoi(f[1])
			for i := 0; i < n && in.Scan(); i++ {
				key, _ := hex.DecodeString(in.Text())
				addr, err := ss.PickServer(string(key))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				fmt.Fprintln(out, index[addr.String()])
			}
		default:
			fmt.Fprintln(os.Stderr, "bad command:", in.Text())
			os.Exit(2)
		}
	}
}

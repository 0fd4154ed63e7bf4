package pipe_test

import (
	"fmt"

	"github.com/wwsgo/wws/transport/pipe"
)

// Where a net.pipe URL's Unix socket lives: the name .NET gives the pipe on
// Unix, in the temporary directory.
func ExampleSocketPath() {
	path, _ := pipe.SocketPath("net.pipe://localhost/app/calculator")
	fmt.Println(path[len(path)-len("CoreFxPipe_app_calculator"):])
	// Output: CoreFxPipe_app_calculator
}

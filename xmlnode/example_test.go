package xmlnode_test

import (
	"fmt"
	"time"

	"github.com/wwsgo/wws/xmlnode"
)

// Typed values render as .NET's XmlConvert writes them, and parse back.
func ExampleValue() {
	for _, v := range []xmlnode.Value{
		xmlnode.Int(-34),
		xmlnode.Double(3.14159265358979),
		xmlnode.Double(1e20),
		xmlnode.Bool(true),
		xmlnode.TimeSpan(5*time.Minute + 44*time.Second),
		xmlnode.DateTime(time.Date(2006, 5, 17, 0, 0, 0, 0, time.UTC)),
		xmlnode.Decimal(0, 5123456, 6, false),
		xmlnode.Bytes([]byte{0, 1, 2, 3, 4, 5, 6, 7}),
	} {
		fmt.Printf("%-8s %s\n", v.Type, v)
	}
	d, _ := xmlnode.Chars([]byte("-PT5M44S")).Duration()
	fmt.Println(d)
	// Output:
	// Int64    -34
	// Double   3.14159265358979
	// Double   1E+20
	// Bool     true
	// TimeSpan PT5M44S
	// DateTime 2006-05-17T00:00:00Z
	// Decimal  5.123456
	// Bytes    AAECAwQFBgc=
	// -5m44s
}

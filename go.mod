module github.com/wwsgo/wws

go 1.26.8

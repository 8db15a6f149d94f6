module switchyard

go 1.26.8

require (
	github.com/fsnotify/fsnotify v1.9.0
	golang.org/x/crypto v0.59.0
)

require golang.org/x/sys v0.50.0 // indirect

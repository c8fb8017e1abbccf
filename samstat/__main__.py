from samstat.cli import main

main()

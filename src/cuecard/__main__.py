from cuecard.cli import main

main()

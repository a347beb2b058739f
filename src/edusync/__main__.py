from edusync.cli.main import main

main()

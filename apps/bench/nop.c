/* SPDX-License-Identifier: MIT */
/* The smallest program: spawn_exit_wait starts it over and over. */
int main(void)
{
	return 0;
}
